// The intranet's own page script: boots the messenger for the signed-in user. The token comes
// from the intranet's backend (/intranet/token signs a short-lived JWT for the session's
// user); the signing secret stays on the server.
window.Messenger = window.Messenger || [];
Messenger.push(['boot', {
  identity: () => fetch('/intranet/token', { credentials: 'same-origin' }).then((r) => {
    if (r.status === 401) {
      location.href = '/intranet/sign-in.html';
    }
    if (!r.ok) throw new Error(`/intranet/token answered ${r.status}`);
    return r.text();
  }),
}]);

// The current page in the navigation.
document.addEventListener('DOMContentLoaded', () => {
  const page = document.body.dataset.page;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
  }
});
