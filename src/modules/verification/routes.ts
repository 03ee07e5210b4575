import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { createUserBody, userIdParams, userSchema } from '../users/schemas.js';
import { createUser, presentUser } from '../users/service.js';
import {
  createVerificationBody,
  documentUploadBody,
  documentUploadLimitBytes,
  documentUploadResultSchema,
  sandboxOutcomeBody,
  sandboxUserParams,
  verificationDecisionBody,
  verificationLinkSchema,
  verificationStatusSchema,
  verificationUserParams,
} from './schemas.js';
import {
  decideVerification,
  getVerificationStatus,
  issueVerificationLink,
  presentVerificationLink,
  presentVerificationDocument,
  presentVerificationStatus,
  setSandboxVerificationOutcome,
  submitVerificationDocument,
} from './service.js';

const tag = 'Verification';

const initiatedApplicationSchema = userSchema.extend({
  applicationCompletionLink: z.string().describe('The hosted verification page to send to the user, valid 7 days'),
  applicationCompletionLinkExpiresAt: z.string(),
});

export const verificationRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/applications/user/initiate',
    operationId: 'initiateUserApplication',
    summary: 'Create a user and start their identity verification in one call (LedgerOS): the user with applicationCompletionLink',
    description: 'The same as `POST /v1/users` then `POST /v1/verification/user`, in one transaction: either both happen or neither.',
    tag,
    body: createUserBody,
    response: initiatedApplicationSchema,
    handler: async ({ sql, scope, body, nowMs, baseUrl, app }) => {
      const user = await createUser(sql, scope, body, nowMs);
      const link = presentVerificationLink(await issueVerificationLink(sql, scope, user.id, app.secrets, nowMs), baseUrl);
      return { ...presentUser(user), applicationStatus: link.applicationStatus, applicationCompletionLink: link.verificationUrl, applicationCompletionLinkExpiresAt: link.expiresAt };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/verification/user',
    operationId: 'createVerification',
    summary: 'Start (or retry) identity verification: a link to the hosted page, valid 7 days, to send to the user',
    description: 'Allowed when applicationStatus is notStarted, rejected or documentRequired; 409 user_already_approved or verification_in_progress otherwise.',
    tag,
    body: createVerificationBody,
    response: verificationLinkSchema,
    handler: async ({ sql, scope, body, nowMs, baseUrl, app }) => presentVerificationLink(await issueVerificationLink(sql, scope, body.userId, app.secrets, nowMs), baseUrl),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/verification/user/{userId}',
    operationId: 'getVerification',
    summary: "A user's verification status: applicationStatus, rejectionReason, the link while it can be used, when they submitted and when the latest link expires",
    tag,
    params: verificationUserParams,
    response: verificationStatusSchema,
    handler: async ({ sql, scope, params, app, nowMs, baseUrl }) => presentVerificationStatus(await getVerificationStatus(sql, scope, params.userId, app.secrets, nowMs), baseUrl),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/verification/user/{userId}/link',
    operationId: 'getVerificationLink',
    summary: 'A fresh verification link (new 7-day expiry), e.g. after the previous one expired; earlier unused links stop working',
    tag,
    params: verificationUserParams,
    response: verificationLinkSchema,
    // A GET that writes (the seeds define it so): GET routes get the read connection, so it opens its own transaction.
    handler: async ({ app, scope, params, nowMs, baseUrl }) =>
      presentVerificationLink(await app.db.transaction((tx) => issueVerificationLink(tx, scope, params.userId, app.secrets, nowMs)), baseUrl),
  }),
  defineRoute({
    method: 'PUT',
    url: '/v1/verification/user/{userId}/document',
    operationId: 'uploadVerificationDocument',
    summary: 'Upload the document an application in documentRequired asks for (multipart/form-data: documentType, file); the KYC provider decides again',
    description:
      `API keys only. A \`multipart/form-data\` body (415 otherwise) with \`documentType\` (passport, driversLicense, nationalId, proofOfAddress) and \`file\` (PDF, JPEG, PNG, WebP or HEIC; the whole request at most ${documentUploadLimitBytes / 1024 / 1024} MiB, 413 beyond). Only while applicationStatus is documentRequired (409 document_not_requested otherwise): the application goes back to pending, the provider decides on the document, and user.verification_updated (plus user.approved or user.rejected) is sent as for the hosted form. cardrail keeps the document's type, size and SHA-256, never the file or its name. The sandbox provider decides from the file name: reject.*, review.*, document.*, else approved (docs/kyc.md).`,
    tag,
    params: verificationUserParams,
    consumes: 'multipart/form-data',
    bodyLimitBytes: documentUploadLimitBytes,
    body: documentUploadBody,
    response: documentUploadResultSchema,
    handler: async ({ sql, scope, params, body, nowMs, app, baseUrl }) => {
      const { status, document } = await submitVerificationDocument(sql, scope, params.userId, body, app.secrets, nowMs);
      return { ...presentVerificationStatus(status, baseUrl), document: presentVerificationDocument(document) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/users/{id}/verification/decision',
    operationId: 'decideVerification',
    summary: "The operator's decision on an application in manualReview or documentRequired: approved or rejected, with a reason",
    description:
      'API keys only, sandbox and live. Allowed only while applicationStatus is manualReview or documentRequired (409 verification_not_awaiting_decision otherwise). Records the deciding key and the reason (`decision`), stores `reason` as the rejectionReason when rejected, and sends user.verification_updated plus user.approved or user.rejected.',
    tag,
    params: userIdParams,
    body: verificationDecisionBody,
    response: verificationStatusSchema,
    handler: async ({ sql, scope, principal, params, body, nowMs, app, baseUrl }) =>
      presentVerificationStatus(await decideVerification(sql, scope, principal, params.id, body.outcome, body.reason, app.secrets, nowMs), baseUrl),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/users/{id}/verification',
    operationId: 'setSandboxVerificationOutcome',
    summary: "Sandbox: set a user's verification outcome as if the KYC provider had decided (with its webhooks)",
    tag: 'Sandbox',
    params: sandboxUserParams,
    body: sandboxOutcomeBody,
    response: verificationStatusSchema,
    handler: async ({ sql, scope, params, body, nowMs, app, baseUrl }) =>
      presentVerificationStatus(await setSandboxVerificationOutcome(sql, scope, params.id, body.outcome, body.reason, app.secrets, nowMs), baseUrl),
  }),
];
