// GraphQL over fetch with the session's token; a 401 (or UNAUTHENTICATED) ends the session.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(message, { status = 0, code = null, errors = [], data = null } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.data = data;
  }
}

function operationName(query) {
  const m = /^\s*(?:query|mutation)\s+(\w+)/.exec(query);
  return m ? m[1] : undefined;
}

// The whole answer, { data, errors }: for screens that show partial data.
export async function gqlRaw(query, variables = {}) {
  const token = session.token();
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables, operationName: operationName(query) }),
    });
  } catch (e) {
    throw new ApiError('The server cannot be reached; check your connection and try again.');
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    throw new ApiError(`The server answered ${res.status} without a GraphQL body.`, { status: res.status });
  }
  const errors = body.errors || [];
  const code = errors[0]?.extensions?.code ?? null;
  if (res.status === 401 || code === 'UNAUTHENTICATED') {
    session.end(errors[0]?.message || 'Your sign-in has ended.');
    throw new ApiError(errors[0]?.message || 'Your sign-in has ended.', { status: 401, code: 'UNAUTHENTICATED', errors });
  }
  if (res.status === 413) throw new ApiError('The request is too large.', { status: 413, code, errors });
  return { data: body.data ?? null, errors, status: res.status };
}

// The data, or an ApiError carrying the first error's message and code.
export async function gql(query, variables = {}) {
  const { data, errors, status } = await gqlRaw(query, variables);
  if (errors.length) {
    const first = errors[0];
    throw new ApiError(first.message, { status, code: first.extensions?.code ?? null, errors, data });
  }
  return data;
}

// Payload errors by field path joined with dots ("input.roles.0.workspaceId"; "" for none).
export function errorsByField(errors) {
  const byField = {};
  for (const e of errors || []) {
    const key = (e.field || []).join('.');
    (byField[key] ||= []).push(e);
  }
  return byField;
}
