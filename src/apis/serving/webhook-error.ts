/**
 * How a Knative webhook rejection reaches the client: a 400 whose message is the webhook's text and
 * whose causes list each error path, so kubectl prints exactly what Knative printed.
 */
import { ApiError, type StatusCause } from '../../lib/errors.ts';
import type { FieldError } from '../../lib/field-error.ts';

export const VALIDATION_WEBHOOK = 'validation.webhook.serving.knative.dev';

export function admissionDenied(fe: FieldError): ApiError {
  const causes: StatusCause[] = [];
  for (const e of fe.wrappedErrors()) {
    const message = e.details ? `${e.message}\n${e.details}` : e.message;
    const paths = e.paths.length > 0 ? e.paths : [''];
    for (const field of paths) causes.push(field ? { reason: 'FieldValueInvalid', message, field } : { reason: 'FieldValueInvalid', message });
  }
  return new ApiError(400, 'BadRequest',
    `admission webhook "${VALIDATION_WEBHOOK}" denied the request: validation failed: ${fe.text}`, { causes });
}
