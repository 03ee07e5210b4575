// The error the SDK raises for an API error envelope (SPEC §3): its status, type, stable code, message and request id.
/** The error envelope of SPEC §3 as the SDK raises it. */
export class CardrailApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CardrailApiError';
  }
}
