// The KYC provider port and the built-in sandbox provider. A provider turns the identity a person entered on the
// hosted page into a decision. It is called inside the submission's transaction, so it must be synchronous and do
// no I/O; a provider that calls a remote service would take the application and report back later instead.
import type { Environment } from '../../domain/environment.js';
import type { Address } from '../users/schemas.js';

export const kycOutcomes = ['approved', 'rejected', 'manualReview', 'documentRequired'] as const;
export type KycOutcome = (typeof kycOutcomes)[number];
/** What an operator may decide an application the provider left in manualReview or documentRequired. */
export const operatorOutcomes = ['approved', 'rejected'] as const;
export type OperatorOutcome = (typeof operatorOutcomes)[number];

export interface KycApplication {
  userId: string;
  firstName: string;
  lastName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  address: Address;
}

export interface KycDecision {
  outcome: KycOutcome;
  /** Why, for `rejected`; shown to the integrator as the user's `rejectionReason`. */
  reason?: string;
}

export const documentTypes = ['passport', 'driversLicense', 'nationalId', 'proofOfAddress'] as const;
export type DocumentType = (typeof documentTypes)[number];

/** A document a person uploaded while their application was documentRequired. */
export interface KycDocument {
  userId: string;
  documentType: DocumentType;
  /** The file name as uploaded: a provider may read it; cardrail never stores it. */
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

export interface KycProvider {
  decide(application: KycApplication): KycDecision;
  /** Decides an application again once the document it asked for arrived. */
  decideDocument(document: KycDocument): KycDecision;
}

export const sandboxRejectionReason = 'identity could not be verified';
export const sandboxDocumentRejectionReason = 'document could not be verified';

/** A file name's stem, lower case: `Reject.PDF` → `reject`. */
function fileStem(fileName: string): string {
  const base = fileName.trim().toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The sandbox's test values (docs/kyc.md): reject, review or document decides; anything else is approved. */
function sandboxDecision(keyword: string, rejectionReason: string): KycDecision {
  switch (keyword) {
    case 'reject':
      return { outcome: 'rejected', reason: rejectionReason };
    case 'review':
      return { outcome: 'manualReview' };
    case 'document':
      return { outcome: 'documentRequired' };
    default:
      return { outcome: 'approved' };
  }
}

/** Decides an application from the last name, a document from its file name without the extension. */
export const sandboxKycProvider: KycProvider = {
  decide(application) {
    return sandboxDecision(application.lastName.trim().toLowerCase(), sandboxRejectionReason);
  },
  /** Decides from the uploaded file's name without its extension (docs/kyc.md): reject, review, document; else approved. */
  decideDocument(document) {
    return sandboxDecision(fileStem(document.fileName), sandboxDocumentRejectionReason);
  },
};

/**
 * The provider an environment uses. cardrail ships no connection to a real identity-verification vendor, so both
 * environments use the sandbox provider until one is plugged in here.
 */
export function kycProviderFor(_environment: Environment): KycProvider {
  return sandboxKycProvider;
}
