// An organization's two environments. Each query is scoped to one (./scope.ts): sandbox and live never mix.
export type Environment = 'sandbox' | 'live';
export const environments: readonly Environment[] = ['sandbox', 'live'];
