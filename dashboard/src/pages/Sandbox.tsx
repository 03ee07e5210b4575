// The sandbox panel (sandbox keys only): a merchant authorizing a card (with 3-D Secure if asked), completing the
// challenge, clearing / voiding / refunding, a stablecoin deposit, and moving the environment's clock forward.
// The network's answer is shown as the API gives it, a decline with its reason in words.
import { useState } from 'react';
import { useAdvanceClock, useAuthorize, useCompleteChallenge, useSandboxClock, useSandboxDeposit, useTransactionAction, type TransactionAction } from '../api/sandbox';
import type { NetworkAnswer } from '../api/types';
import { ErrorMessage, Notice, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, optionalText, parseDollars } from '../components/format';
import { CheckboxField, SelectField, TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { MutationForm } from '../components/MutationForm';
import { Panel } from '../components/Panel';
import { usePageTitle } from '../components/usePageTitle';
import { useSession } from '../session';

function AnswerView({ answer }: { answer: NetworkAnswer }) {
  if (answer.object === 'challenge') {
    return (
      <div className="notice" role="status" aria-label="Network answer">
        3-D Secure challenge <span className="id">{answer.id}</span>: {answer.status === 'challenge_required' ? 'waiting for the passcode' : answer.status}, {answer.attemptsRemaining} attempts
        remaining, expires {formatTime(answer.expiresAt)}.
      </div>
    );
  }
  const declined = answer.status === 'declined';
  return (
    <div className={declined ? 'error' : 'notice'} role="status" aria-label="Network answer">
      <strong>{declined ? 'Declined' : 'Approved'}</strong>: {formatCents(answer.amount)} at {answer.merchant.name} — <StatusBadge status={answer.status} />{' '}
      {answer.declineReason === null ? null : (
        <>
          {answer.declineDetail ?? answer.declineReason} <span className="code">({answer.declineReason})</span>
        </>
      )}{' '}
      <IdLink kind="transaction" id={answer.id} />
    </div>
  );
}

function Authorize() {
  const authorize = useAuthorize();
  const complete = useCompleteChallenge();
  const [cardId, setCardId] = useState('');
  const [amount, setAmount] = useState('');
  const [merchant, setMerchant] = useState('');
  const [mcc, setMcc] = useState('');
  const [threeDS, setThreeDS] = useState(false);
  const [otp, setOtp] = useState('');
  const [answer, setAnswer] = useState<NetworkAnswer | undefined>(undefined);

  function send() {
    const cents = parseDollars(amount);
    if (cents === undefined || cents <= 0) return 'Enter the amount in dollars, e.g. 12.50';
    const code = optionalText(mcc);
    authorize.mutate(
      { cardId: cardId.trim(), amount: cents, currency: 'USD', merchant: { name: merchant, ...(code === undefined ? {} : { mcc: code }) }, ...(threeDS ? { threeDS: true } : {}) },
      { onSuccess: setAnswer },
    );
    return undefined;
  }

  const challenge = answer?.object === 'challenge' && answer.status === 'challenge_required' ? answer : undefined;
  return (
    <Panel headingId="authorize-heading" heading="Authorize at a merchant">
      <MutationForm send={send} submitLabel="Authorize" primary pending={authorize.isPending} error={authorize.error}>
        <TextField label="Card id" value={cardId} onChange={setCardId} required placeholder="card_…" autoComplete="off" />
        <TextField label="Amount (USD)" value={amount} onChange={setAmount} required inputMode="decimal" />
        <TextField label="Merchant descriptor" value={merchant} onChange={setMerchant} required placeholder="AMZN Mktp US*2K4TY7" autoComplete="off" />
        <TextField label="MCC" value={mcc} onChange={setMcc} inputMode="numeric" maxLength={4} placeholder="optional" autoComplete="off" />
        <CheckboxField label="3-D Secure" checked={threeDS} onChange={setThreeDS} />
      </MutationForm>
      {answer === undefined ? null : <AnswerView answer={answer} />}
      {challenge === undefined ? null : (
        <MutationForm send={() => complete.mutate({ id: challenge.id, otp: otp.trim() }, { onSuccess: setAnswer })} submitLabel="Complete challenge" pending={complete.isPending}>
          <TextField label="Passcode (from the agent)" value={otp} onChange={setOtp} required inputMode="numeric" maxLength={6} autoComplete="one-time-code" />
        </MutationForm>
      )}
      <ErrorMessage error={complete.error} />
    </Panel>
  );
}

function ChallengeById() {
  const complete = useCompleteChallenge();
  const [challengeId, setChallengeId] = useState('');
  const [otp, setOtp] = useState('');
  const [answer, setAnswer] = useState<NetworkAnswer | undefined>(undefined);
  return (
    <Panel headingId="challenge-heading" heading="Complete a 3-D Secure challenge">
      <MutationForm send={() => complete.mutate({ id: challengeId.trim(), otp: otp.trim() }, { onSuccess: setAnswer })} submitLabel="Send passcode" pending={complete.isPending} error={complete.error}>
        <TextField label="Challenge id" value={challengeId} onChange={setChallengeId} required placeholder="chl_…" autoComplete="off" />
        <TextField label="Passcode" value={otp} onChange={setOtp} required inputMode="numeric" maxLength={6} autoComplete="one-time-code" />
      </MutationForm>
      {answer === undefined ? null : <AnswerView answer={answer} />}
    </Panel>
  );
}

function TransactionActions() {
  const act = useTransactionAction();
  const [transactionId, setTransactionId] = useState('');
  const [action, setAction] = useState<TransactionAction>('clear');
  const [amount, setAmount] = useState('');
  const [result, setResult] = useState<string | undefined>(undefined);

  function send() {
    const cents = optionalText(amount) === undefined ? undefined : parseDollars(amount);
    if (optionalText(amount) !== undefined && cents === undefined) return 'Enter the amount in dollars, or leave it empty for the whole amount';
    act.mutate(
      { id: transactionId.trim(), action, ...(cents === undefined || action === 'void' ? {} : { amount: cents }) },
      { onSuccess: (transaction) => setResult(`${transaction.id} is now ${transaction.status}: settled ${formatCents(transaction.settledAmount)}, refunded ${formatCents(transaction.refundedAmount)}.`) },
    );
    return undefined;
  }

  return (
    <Panel headingId="transaction-actions-heading" heading="Clear, void or refund">
      <MutationForm send={send} submitLabel="Send to the network" pending={act.isPending} error={act.error}>
        <TextField label="Transaction id" value={transactionId} onChange={setTransactionId} required placeholder="txn_…" autoComplete="off" />
        <SelectField
          label="Action"
          value={action}
          onChange={(value) => setAction(value as TransactionAction)}
          options={[
            { value: 'clear', label: 'clear (capture)' },
            { value: 'void', label: 'void (reverse)' },
            { value: 'refund', label: 'refund' },
          ]}
        />
        <TextField label="Amount (USD)" value={amount} onChange={setAmount} inputMode="decimal" placeholder="whole amount" disabled={action === 'void'} />
      </MutationForm>
      {result === undefined ? null : <Notice>{result}</Notice>}
    </Panel>
  );
}

const depositNetworks = ['base', 'ethereum', 'polygon', 'arbitrum', 'optimism', 'solana'];

function Deposit() {
  const deposit = useSandboxDeposit();
  const [userId, setUserId] = useState('');
  const [network, setNetwork] = useState('base');
  const [token, setToken] = useState('USDC');
  const [amount, setAmount] = useState('');
  const [confirmed, setConfirmed] = useState(true);
  const [result, setResult] = useState<string | undefined>(undefined);
  return (
    <Panel headingId="deposit-heading" heading="Stablecoin deposit">
      <MutationForm
        send={() =>
          deposit.mutate(
            { userId: userId.trim(), network, token, amount: amount.trim(), confirmations: confirmed ? 1_000 : 0 },
            { onSuccess: (made) => setResult(`Deposit ${made.id}: ${made.status}${made.amountCents === null ? '' : `, ${formatCents(made.amountCents)}`}${made.rejectionReason === null ? '' : ` (${made.rejectionReason})`}.`) },
          )
        }
        submitLabel="Deposit"
        pending={deposit.isPending}
        error={deposit.error}
      >
        <TextField label="User id" value={userId} onChange={setUserId} required placeholder="user_…" autoComplete="off" />
        <SelectField label="Network" value={network} onChange={setNetwork} options={depositNetworks.map((value) => ({ value, label: value }))} />
        <SelectField
          label="Token"
          value={token}
          onChange={setToken}
          options={[
            { value: 'USDC', label: 'USDC' },
            { value: 'USDT', label: 'USDT' },
          ]}
        />
        <TextField label="Amount (token base units)" value={amount} onChange={setAmount} required inputMode="numeric" hint="USDC and USDT have 6 decimals: 100000000 is 100.00 USD." />
        <CheckboxField label="Already confirmed" checked={confirmed} onChange={setConfirmed} />
      </MutationForm>
      {result === undefined ? null : <Notice>{result}</Notice>}
    </Panel>
  );
}

function Clock() {
  const clock = useSandboxClock(true);
  const advance = useAdvanceClock();
  const [hours, setHours] = useState('24');
  return (
    <Panel headingId="clock-heading" heading="Sandbox clock">
      <ErrorMessage error={clock.error} />
      {clock.data === undefined ? null : (
        <p>
          Sandbox time: {formatTime(clock.data.now)} ({Math.round(clock.data.offsetSeconds / 3600)} h ahead of the wall clock).
        </p>
      )}
      <MutationForm
        send={() => {
          const seconds = Math.round(Number(hours) * 3600);
          if (Number.isFinite(seconds) && seconds > 0) advance.mutate(seconds);
        }}
        submitLabel="Advance clock"
        pending={advance.isPending}
        error={advance.error}
      >
        <TextField label="Advance by (hours)" value={hours} onChange={setHours} required inputMode="decimal" hint="Expiries, settlement and limit windows follow the sandbox clock." />
      </MutationForm>
    </Panel>
  );
}

export function Sandbox() {
  usePageTitle('Sandbox');
  const { environment } = useSession();
  if (environment !== 'sandbox') {
    return (
      <>
        <h1>Sandbox</h1>
        <p>The sandbox network is for sandbox keys only; you are signed in with a live key.</p>
      </>
    );
  }
  return (
    <>
      <h1>Sandbox</h1>
      <div className="grid">
        <Authorize />
        <ChallengeById />
        <TransactionActions />
        <Deposit />
        <Clock />
      </div>
    </>
  );
}
