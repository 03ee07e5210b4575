// The options page: the cardrail server URL, the filler key and an optional name on the card, saved through the
// service worker. The key is never shown again once saved, only its prefix and last four characters.
import type { ExtensionMessage, FillerStatus, SaveAnswer } from './messages.js';

const form = document.querySelector<HTMLFormElement>('#settings')!;
const serverUrl = document.querySelector<HTMLInputElement>('#server-url')!;
const fillerKey = document.querySelector<HTMLInputElement>('#filler-key')!;
const fillerKeyHint = document.querySelector<HTMLElement>('#filler-key-hint')!;
const cardholderName = document.querySelector<HTMLInputElement>('#cardholder-name')!;
const status = document.querySelector<HTMLElement>('#status')!;

function show(current: FillerStatus): void {
  serverUrl.value = current.serverUrl ?? '';
  cardholderName.value = current.cardholderName ?? '';
  fillerKey.value = '';
  fillerKeyHint.textContent = current.fillerKeyHint === null ? 'No filler key saved yet.' : `Saved: ${current.fillerKeyHint} (leave empty to keep it).`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  status.className = '';
  status.textContent = 'Saving…';
  const message: ExtensionMessage = { kind: 'save-settings', serverUrl: serverUrl.value, cardholderName: cardholderName.value, ...(fillerKey.value.trim() === '' ? {} : { fillerKey: fillerKey.value }) };
  void chrome.runtime.sendMessage<SaveAnswer>(message).then((answer) => {
    if (answer.ok) {
      show(answer.status);
      status.className = 'done';
      status.textContent = 'Saved.';
    } else {
      status.className = 'failed';
      status.textContent = answer.message;
    }
  });
});

void chrome.runtime.sendMessage<FillerStatus>({ kind: 'status' } satisfies ExtensionMessage).then(show);
