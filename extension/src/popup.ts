// The popup: a person pastes a details token and the filler fills the active tab's card fields with it.
import type { ExtensionMessage, FillerStatus, FillOutcome } from './messages.js';

const form = document.querySelector<HTMLFormElement>('#fill')!;
const token = document.querySelector<HTMLInputElement>('#details-token')!;
const configuration = document.querySelector<HTMLElement>('#configuration')!;
const result = document.querySelector<HTMLElement>('#result')!;

function report(text: string, className: 'done' | 'failed' | ''): void {
  result.className = className;
  result.textContent = text;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  report('Filling…', '');
  void (async () => {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    if (tab?.id === undefined) return report('No active tab to fill.', 'failed');
    const outcome = await chrome.runtime.sendMessage<FillOutcome>({ kind: 'fill-tab', tabId: tab.id, detailsToken: token.value.trim() } satisfies ExtensionMessage);
    token.value = '';
    if (outcome.ok) report(`Filled card •••• ${outcome.last4} (${outcome.fields.join(', ')}).`, 'done');
    else report(outcome.message, 'failed');
  })();
});

void chrome.runtime.sendMessage<FillerStatus>({ kind: 'status' } satisfies ExtensionMessage).then((status) => {
  configuration.textContent = status.configured ? `Redeems at ${status.serverUrl} with ${status.fillerKeyHint}.` : 'Not configured yet: set the server URL and filler key in Options.';
});
