// /hosted/approval.js: on a `cardholderPasskey` approval page, Approve or Reject runs the passkey ceremony over the
// intent's terms and that decision (window.cardrailPasskeys from /hosted/passkeys.js), then shows the decided page.
export const approvalPageScript = `'use strict';
(function () {
  var form = document.querySelector('form[data-passkey]');
  if (!form) return;
  var problem = document.getElementById('passkey-error');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var action = event.submitter && event.submitter.value === 'reject' ? 'reject' : 'approve';
    var path = form.getAttribute('action');
    var note = form.elements.note.value;
    var buttons = form.querySelectorAll('button');
    buttons.forEach(function (button) { button.disabled = true; });
    problem.hidden = true;
    window.cardrailPasskeys
      .assert(path + '/options?action=' + action, path + '/decide', { action: action, note: note })
      .then(function () { window.location.reload(); })
      .catch(function (error) {
        problem.textContent = 'Your passkey did not confirm this: ' + (error && error.message ? error.message : 'unknown error') + '. Try again.';
        problem.hidden = false;
        buttons.forEach(function (button) { button.disabled = false; });
      });
  });
})();
`;
