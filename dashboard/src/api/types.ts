// The API's objects as the SDK's generated types declare them (the dashboard defines none of its own).
import type { operations } from 'cardrail/sdk';

type Success<Operation extends keyof operations> = operations[Operation]['responses'] extends { 200: { content: { 'application/json': infer Body } } } ? Body : never;
type Item<Operation extends keyof operations> = Success<Operation> extends { data: Array<infer Row> } ? Row : never;

export type Organization = Success<'getOrganization'>;
export type ApiKey = Item<'listApiKeys'>;
export type CreatedApiKey = Success<'createApiKey'>;
export type User = Success<'getUser'>;
export type Balance = Success<'getBalance'>;
export type VerificationStatus = Success<'getVerification'>;
export type VerificationLink = Success<'createVerification'>;
export type Deposit = Item<'listUserDeposits'>;
export type Agent = Success<'getAgent'>;
export type RegisteredAgent = Success<'registerAgent'>;
export type AgentPolicy = Success<'getAgentPolicy'>;
export type AgentToken = Item<'listAgentTokens'>;
export type CreatedAgentToken = Success<'createAgentToken'>;
export type Card = Success<'getCard'>;
export type IssuerSettings = Success<'getIssuerSettings'>;
export type Intent = Success<'getIntent'>;
export type Transaction = Success<'getTransaction'>;
export type NetworkAnswer = Success<'simulateAuthorization'>;
export type WebhookEndpoint = Success<'getWebhookEndpoint'>;
export type CreatedWebhookEndpoint = Success<'createWebhookEndpoint'>;
export type WebhookSecret = Success<'getWebhookEndpointSecret'>;
export type WebhookDelivery = Item<'listWebhookDeliveries'>;
export type ApiEvent = Success<'getEvent'>;
export type RiskSettings = Success<'getRiskSettings'>;
export type RiskOverrides = Success<'getAgentRiskOverrides'>;
export type RiskAlert = Success<'getRiskAlert'>;
export type SandboxClock = Success<'getSandboxClock'>;

export type ApplicationStatus = User['applicationStatus'];
export type RiskRuleName = keyof RiskSettings['rules'];
export type RiskAction = RiskSettings['rules']['velocity']['action'];
export type SpendingLimitFrequency = Agent['spendingLimitFrequency'];
export type CardStatus = Card['status'];
export type IssuerName = IssuerSettings['issuer'];
export type TransactionStatus = Transaction['status'];
export type IntentStatus = Intent['status'];

/** The JSON body an operation takes. */
export type RequestBody<Operation extends keyof operations> = operations[Operation] extends { requestBody?: { content: { 'application/json': infer Body } } } ? Body : never;
