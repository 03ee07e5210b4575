import { z } from 'zod';
import { listPageSchema } from '../pagination.js';

export const applicationStatuses = ['notStarted', 'pending', 'approved', 'rejected', 'manualReview', 'documentRequired'] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

export const metadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 50, { message: 'at most 50 keys' })
  .describe('Your own key-value data, up to 50 keys');

export const addressSchema = z.strictObject({
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  region: z.string().max(100).optional(),
  postalCode: z.string().min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as US'),
});
export type Address = z.infer<typeof addressSchema>;

const dateOfBirth = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const createUserBody = z.strictObject({
  firstName: z.string().trim().min(1).max(100),
  lastName: z.string().trim().min(1).max(100),
  email: z.email().max(254),
  metadata: metadataSchema.optional(),
});

export const updateUserBody = z.strictObject({
  firstName: z.string().trim().min(1).max(100).optional(),
  lastName: z.string().trim().min(1).max(100).optional(),
  email: z.email().max(254).optional(),
  dateOfBirth: dateOfBirth.optional(),
  address: addressSchema.optional(),
  metadata: metadataSchema.optional(),
});
export type UpdateUserInput = z.infer<typeof updateUserBody>;

export const userIdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const verificationDecisionSchema = z
  .object({
    outcome: z.enum(applicationStatuses).describe('The applicationStatus the operator decided: approved or rejected'),
    reason: z.string().nullable().describe('Why, as the operator gave it'),
    decidedBy: z.object({ kind: z.literal('apiKey'), id: z.string().describe('The API key (key_…) that decided') }),
    decidedAt: z.string(),
  })
  .nullable()
  .describe("The operator's decision that set the current applicationStatus (POST /v1/users/{id}/verification/decision); null when the KYC provider or the sandbox set it");

export const userSchema = z.object({
  object: z.literal('user'),
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  dateOfBirth: z.string().nullable(),
  address: addressSchema.nullable(),
  applicationStatus: z.enum(applicationStatuses),
  rejectionReason: z.string().nullable(),
  verificationDecision: verificationDecisionSchema,
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const userListSchema = listPageSchema(userSchema);
