// Credential exposure (SPEC §4): how a card's number may leave cardrail. `never`: not at all (hosted checkouts and
// the network only); `extensionOnly`: to a trusted filler that redeems a details token, never to the agent;
// `rawPan`: in the details answer, to the agent (and so into a language model's context).

export const exposureModes = ['never', 'extensionOnly', 'rawPan'] as const;
export type ExposureMode = (typeof exposureModes)[number];

/** The organization's default when it has set none: rawPan, so seed 001's example keeps answering the number. */
export const defaultExposureMode: ExposureMode = 'rawPan';

/** The card's own mode, else its policy's, else its agent's default policy's, else the organization's default. */
export function effectiveExposure(levels: readonly (ExposureMode | null | undefined)[], organizationDefault: ExposureMode): ExposureMode {
  for (const level of levels) if (level !== null && level !== undefined) return level;
  return organizationDefault;
}

/**
 * Asking for rawPan where the organization's default is something safer must be deliberate: true when the request
 * needs `acknowledgeRawPanRisk: true` and did not send it.
 */
export function rawPanNeedsAcknowledgement(requested: ExposureMode | null | undefined, organizationDefault: ExposureMode, acknowledged: boolean | undefined): boolean {
  return requested === 'rawPan' && organizationDefault !== 'rawPan' && acknowledged !== true;
}
