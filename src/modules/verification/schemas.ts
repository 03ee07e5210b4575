// Shapes of the verification API and of the hosted identity form, with the form's validation rules.
import { z } from 'zod';
import { applicationStatuses, verificationDecisionSchema, type Address } from '../users/schemas.js';
import { documentTypes, kycOutcomes, operatorOutcomes } from './provider.js';
import { uploadedFileSchema } from '../../http/multipart.js';
import { textProblem } from '../../domain/text.js';

export const verificationLinkValidityMs = 7 * 24 * 3600 * 1000;
export const minimumAgeYears = 18;

export const createVerificationBody = z.strictObject({ userId: z.string().min(1).max(64).describe('The user to verify') });
export const verificationUserParams = z.strictObject({ userId: z.string().min(1).max(64) });
export const sandboxUserParams = z.strictObject({ id: z.string().min(1).max(64) });

export const sandboxOutcomeBody = z.strictObject({
  outcome: z.enum([...kycOutcomes, 'pending']).describe('The applicationStatus to move the user to'),
  reason: z.string().trim().min(1).max(500).optional().describe('The rejectionReason when outcome is rejected'),
});

export const verificationDecisionBody = z.strictObject({
  outcome: z.enum(operatorOutcomes).describe('approved or rejected'),
  reason: z.string().trim().min(1).max(500).optional().describe('Why; kept with the decision, and the rejectionReason when rejected (default: identity could not be verified)'),
});

export const verificationLinkSchema = z.object({
  object: z.literal('verification'),
  id: z.string(),
  userId: z.string(),
  verificationUrl: z.string().describe('The hosted page where the person enters their identity; send it to them'),
  applicationStatus: z.enum(applicationStatuses),
  expiresAt: z.string().describe('The link stops working at this time (7 days of environment time)'),
});

export const verificationStatusSchema = z.object({
  object: z.literal('verification'),
  userId: z.string(),
  applicationStatus: z.enum(applicationStatuses),
  verificationUrl: z
    .string()
    .nullable()
    .describe('The newest link while the person can still use it (not submitted, not expired, application notStarted, rejected or documentRequired); null otherwise: get a fresh one with GET …/link'),
  rejectionReason: z.string().nullable(),
  decision: verificationDecisionSchema,
  submittedAt: z.string().nullable().describe('When the person last submitted the hosted form'),
  expiresAt: z.string().nullable().describe('When the most recent link expires (or expired)'),
});

/** The largest upload (the whole multipart request, the form's framing included): 413 payload_too_large beyond it. */
export const documentUploadLimitBytes = 10 * 1024 * 1024;
/** The file types a document may have. */
export const documentContentTypes = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp', 'image/heic'] as const;
const acceptedContentTypes: ReadonlySet<string> = new Set(documentContentTypes);

export const documentUploadBody = z.strictObject({
  documentType: z.enum(documentTypes).describe('What the document is: passport, driversLicense, nationalId or proofOfAddress'),
  file: uploadedFileSchema(`The document: PDF, JPEG, PNG, WebP or HEIC, at most ${documentUploadLimitBytes / 1024 / 1024} MiB with the rest of the form`)
    .refine((file) => file.sizeBytes > 0, 'the file is empty')
    .refine((file) => acceptedContentTypes.has(file.contentType), `the file's Content-Type must be one of ${documentContentTypes.join(', ')}`),
});

export const verificationDocumentSchema = z.object({
  object: z.literal('verification_document'),
  id: z.string(),
  documentType: z.enum(documentTypes),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string().describe('Hex SHA-256 of the file: what cardrail keeps of it (the file itself and its name are not stored)'),
  outcome: z.enum(applicationStatuses).describe('The applicationStatus the KYC provider decided on the document'),
  uploadedAt: z.string(),
});

export const documentUploadResultSchema = verificationStatusSchema.extend({ document: verificationDocumentSchema });

/** The hosted form's fields, in the order they are shown. */
export const identityFormFields = ['firstName', 'lastName', 'dateOfBirth', 'addressLine1', 'city', 'postalCode', 'country'] as const;
export type IdentityFormField = (typeof identityFormFields)[number];
export type IdentityFormValues = Record<IdentityFormField, string>;
export type IdentityFormErrors = Partial<Record<IdentityFormField, string>>;

export interface Identity {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  address: Address;
}

export type IdentityFormResult = { ok: true; identity: Identity } | { ok: false; values: IdentityFormValues; errors: IdentityFormErrors };

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const earliestBirthYear = 1900;

/** Whole years between a YYYY-MM-DD birth date and an instant, by the UTC calendar. */
export function ageInYears(dateOfBirth: string, nowMs: number): number {
  const match = datePattern.exec(dateOfBirth);
  if (match === null) return Number.NaN;
  const now = new Date(nowMs);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const birthdayPassed = now.getUTCMonth() + 1 > month || (now.getUTCMonth() + 1 === month && now.getUTCDate() >= day);
  return now.getUTCFullYear() - year - (birthdayPassed ? 0 : 1);
}

function dateOfBirthProblem(value: string, nowMs: number): string | undefined {
  const match = datePattern.exec(value);
  if (match === null) return 'Enter the date as YYYY-MM-DD, for example 1990-04-23';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return 'Enter a real date';
  if (year < earliestBirthYear) return `Enter a date after ${earliestBirthYear}`;
  if (ageInYears(value, nowMs) < minimumAgeYears) return `You must be at least ${minimumAgeYears} years old`;
  return undefined;
}

function text(maxLength: number) {
  return z
    .string()
    .trim()
    .min(1, 'This field is required')
    .max(maxLength, `Use at most ${maxLength} characters`)
    .refine((value) => textProblem(value) === undefined, 'Remove the control characters from this field');
}

function identityFormSchema(nowMs: number) {
  return z.object({
    firstName: text(100),
    lastName: text(100),
    dateOfBirth: z
      .string()
      .trim()
      .min(1, 'This field is required')
      .superRefine((value, context) => {
        const problem = dateOfBirthProblem(value, nowMs);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
      }),
    addressLine1: text(200),
    city: text(100),
    postalCode: text(20),
    country: z
      .string()
      .trim()
      .min(1, 'This field is required')
      .transform((value) => value.toUpperCase())
      .pipe(z.string().regex(/^[A-Z]{2}$/, 'Enter a two-letter country code, for example US or DE')),
  });
}

/** Reads the submitted form (strings; anything else counts as empty) and checks every field at the time `nowMs`. */
export function parseIdentityForm(body: unknown, nowMs: number): IdentityFormResult {
  const submitted = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const values = Object.fromEntries(identityFormFields.map((field) => [field, typeof submitted[field] === 'string' ? submitted[field] : ''])) as IdentityFormValues;
  const result = identityFormSchema(nowMs).safeParse(values);
  if (result.success) {
    const form = result.data;
    return {
      ok: true,
      identity: {
        firstName: form.firstName,
        lastName: form.lastName,
        dateOfBirth: form.dateOfBirth,
        address: { line1: form.addressLine1, city: form.city, postalCode: form.postalCode, country: form.country },
      },
    };
  }
  const errors: IdentityFormErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0] as IdentityFormField;
    errors[field] ??= issue.message;
  }
  return { ok: false, values, errors };
}
