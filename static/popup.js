// The last page of a sign-in in a popup: hands the session token to the
// comment section that opened the popup, aimed at that page's origin only
// (never "*"), then closes. Without an opener it leaves its message showing.
(function () {
  'use strict';
  var element = document.getElementById('sign-in-result');
  if (!element) return;
  var result = JSON.parse(element.textContent);
  if (!window.opener || !result.origin) return;
  window.opener.postMessage({
    type: 'comment-desk:signed-in',
    token: result.token,
    expires_at: result.expires_at,
    user: result.user
  }, result.origin);
  window.close();
})();
