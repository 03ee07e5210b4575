// multipart/form-data bodies, for the few routes that take a file (`consumes: 'multipart/form-data'`, today the KYC
// document upload). The body arrives whole (bounded by the route's bodyLimit) and is parsed by Node's own fetch
// implementation (`Response.formData()`), so no parser is added to the dependencies. Each file becomes an
// UploadedFile — name, type, size and SHA-256, never its bytes: those are dropped here, so no file reaches a log,
// the idempotency store or the database. Text fields stay strings, and the route's strict zod schema judges them all.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../domain/errors.js';

/** What a route learns of an uploaded file. Its own class, so a JSON body can never pass for one. */
export class UploadedFile {
  constructor(
    /** The file name the client sent (may be empty); for the caller's own rules, never stored by cardrail. */
    readonly fileName: string,
    /** The part's Content-Type, lower case without parameters; `application/octet-stream` when none was sent. */
    readonly contentType: string,
    readonly sizeBytes: number,
    /** Hex SHA-256 of the bytes. */
    readonly sha256: string,
  ) {}
}

/**
 * A file field of a multipart request schema: an UploadedFile, shown in the OpenAPI document as a binary string (the
 * form's `type=file` field).
 */
export function uploadedFileSchema(description: string) {
  return z
    .custom<UploadedFile>((value) => value instanceof UploadedFile, { message: 'expected a file part (a form field with a filename)' })
    .meta({ type: 'string', format: 'binary', description } as Record<string, unknown>);
}

/** The media type of a Content-Type header, lower case without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The fields of a multipart/form-data body: strings, and UploadedFiles; a name given twice holds a list of values. */
export async function parseMultipartBody(body: Buffer, contentType: string): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    // A Buffer is a Uint8Array, which Response takes; the DOM typings ask for one over a plain ArrayBuffer.
    form = await new Response(body as unknown as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new AppError('invalid_form_data', { reason: 'it is not well-formed multipart/form-data for the boundary its Content-Type names' });
  }
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of form) {
    const parsed = typeof value === 'string' ? value : await describeFile(value);
    const earlier = fields[name];
    fields[name] = earlier === undefined ? parsed : Array.isArray(earlier) ? [...earlier, parsed] : [earlier, parsed];
  }
  return { ...fields };
}

async function describeFile(file: File): Promise<UploadedFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return new UploadedFile(file.name, mediaTypeOf(file.type) || 'application/octet-stream', bytes.byteLength, sha256);
}
