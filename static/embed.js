/*
 * Comment Desk: the comment section of an article page.
 *
 *   <div id="comments" data-article-id="…"></div>
 *   <script src="https://comments.example/embed.js" async></script>
 *
 * Plain JavaScript, no build step. Everything renders inside a shadow root, so
 * the host page's styles do not leak in and ours do not leak out. User text
 * only ever reaches the DOM through textContent, never as HTML.
 */
(function () {
  'use strict';

  var host = document.getElementById('comments');
  if (!host || host.shadowRoot) return;
  var script = document.currentScript;
  var API = (host.dataset.api || (script && script.src ? new URL(script.src).origin : location.origin)).replace(/\/$/, '');
  var API_ORIGIN = new URL(API).origin;
  var SAME_ORIGIN = API_ORIGIN === location.origin;
  var ARTICLE = host.dataset.articleId || '';
  var LANG = (document.documentElement.lang || 'ko').toLowerCase().indexOf('ko') === 0 ? 'ko' : 'en';
  var TOKEN_KEY = 'comment-desk-token:' + API;
  var LOCALE = LANG === 'ko' ? 'ko-KR' : 'en-GB';
  var ARTICLE_PATH = '/articles/' + encodeURIComponent(ARTICLE);
  var ORDERS = ['newest', 'best', 'ratio', 'oldest'];

  var T = {
    ko: {
      comments: '댓글', login: '로그인', register: '회원가입', logout: '로그아웃', email: '이메일',
      password: '비밀번호', displayName: '표시 이름', toRegister: '계정이 없으신가요? 회원가입',
      toLogin: '이미 계정이 있으신가요? 로그인', loginPrompt: '댓글을 쓰려면 로그인해 주세요.',
      compose: '댓글 쓰기', submit: '등록', reply: '답글', report: '신고', del: '삭제', more: '더 보기',
      cancel: '취소', replyingTo: '답글 대상: ', closed: '이 기사에는 더 이상 댓글을 달 수 없습니다.',
      posted: '댓글이 등록되었습니다.', held: '댓글이 검토를 위해 보류되었습니다. 운영자가 확인한 뒤 게시됩니다.',
      pending: '검토 중', deleted: '삭제된 댓글입니다.', policy: '열린마당 운영 원칙', reported: '신고가 접수되었습니다.',
      reportReason: '신고 사유', send: '보내기', confirmDelete: '이 댓글을 삭제할까요?', edited: '수정됨',
      reasons: { spam: '스팸', abuse: '욕설·비방', hate: '혐오 표현', personal_information: '개인정보 노출', off_topic: '기사와 무관', other: '기타' },
      counter: function (n, max) { return '(' + n + '/' + max + '자)'; },
      failed: '요청을 처리하지 못했습니다. 잠시 뒤에 다시 시도해 주세요.',
      like: '공감', dislike: '비공감', reactLogin: '공감·비공감은 로그인한 뒤에 누를 수 있습니다.',
      orderBy: '댓글 정렬', orders: { newest: '최신순', best: '순공감순', ratio: '공감비율순', oldest: '과거순' },
      best: '베스트 댓글', bestBadge: '베스트', featured: '편집자 추천', close: '닫기',
      leftToday: function (n) { return '오늘 남은 댓글 ' + n + '개'; },
      leftHere: function (n) { return '이 기사에 남은 댓글 ' + n + '개'; },
      nextAt: function (t) { return t + '부터 다시 쓸 수 있습니다'; },
      historyOf: function (name) { return name + '님의 댓글 이력'; },
      joined: '가입', published: '게시한 댓글', received: '받은 공감/비공감', ratio30: '최근 30일 공감 비율', sanctioned: '제재 이력 있음',
      signInWith: function (name) { return name + particle(name) + ' 로그인'; }, otherAccounts: '다른 계정으로 로그인',
      popupBlocked: '로그인 창이 차단되었습니다. 이 사이트의 팝업을 허용한 뒤 다시 눌러 주세요.'
    },
    en: {
      comments: 'Comments', login: 'Log in', register: 'Register', logout: 'Log out', email: 'Email',
      password: 'Password', displayName: 'Display name', toRegister: 'No account? Register',
      toLogin: 'Have an account? Log in', loginPrompt: 'Log in to write a comment.',
      compose: 'Write a comment', submit: 'Post', reply: 'Reply', report: 'Report', del: 'Delete', more: 'Load more',
      cancel: 'Cancel', replyingTo: 'Replying to ', closed: 'Comments are closed for this article.',
      posted: 'Your comment is published.', held: 'Your comment is held for review and will appear once a moderator approves it.',
      pending: 'Awaiting review', deleted: 'This comment was deleted.', policy: 'Standards Board Policy', reported: 'Thank you; the report was sent.',
      reportReason: 'Reason', send: 'Send', confirmDelete: 'Delete this comment?', edited: 'edited',
      reasons: { spam: 'Spam', abuse: 'Abuse', hate: 'Hate', personal_information: 'Personal information', off_topic: 'Off topic', other: 'Other' },
      counter: function (n, max) { return '(' + n + '/' + max + ')'; },
      failed: 'The request failed. Please try again later.',
      like: 'Like', dislike: 'Dislike', reactLogin: 'Log in to like or dislike comments.',
      orderBy: 'Sort comments', orders: { newest: 'Newest', best: 'Most liked', ratio: 'Best ratio', oldest: 'Oldest' },
      best: 'Best comments', bestBadge: 'BEST', featured: "Editor's pick", close: 'Close',
      leftToday: function (n) { return n + (n === 1 ? ' comment' : ' comments') + ' left today'; },
      leftHere: function (n) { return n + ' left on this editorial'; },
      nextAt: function (t) { return 'You can post again at ' + t; },
      historyOf: function (name) { return 'Comments by ' + name; },
      joined: 'Joined', published: 'Published comments', received: 'Likes / dislikes received', ratio30: 'Like ratio, last 30 days', sanctioned: 'Has been sanctioned',
      signInWith: function (name) { return 'Sign in with ' + name; }, otherAccounts: 'Sign in with another account',
      popupBlocked: 'The sign-in window was blocked. Allow pop-ups for this site and press the button again.'
    }
  }[LANG];

  // 으로 after a Hangul syllable with a final consonant other than ㄹ, else 로.
  function particle(name) {
    var code = name.charCodeAt(name.length - 1) - 0xAC00, last = code % 28;
    return code >= 0 && code < 11172 && last !== 0 && last !== 8 ? '으로' : '로';
  }

  /* ---- The comment text rule of comment-text.md, steps 1-7, as the server applies it. ---- */
  var FORBIDDEN = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
  // More than 8 combining marks (General_Category Mn or Me, not Mc) in a row.
  var MARK_RUN = /[\p{Mn}\p{Me}]{9}/u;
  // Step 4's invisible characters; an emoji tag sequence (the flag of England,
  // Scotland, Wales) is matched first so that it is kept whole.
  var FLAG = /^\u{1F3F4}/u;
  var INVISIBLE = new RegExp('\\u{1F3F4}[\\u{E0020}-\\u{E007E}]+\\u{E007F}|[' +
    '\\u200B\\u2060\\uFEFF\\u3164\\u115F\\u1160\\uFFA0' + // fillers
    '\\u00AD\\u034F\\u17B4\\u17B5\\u180E' + // soft hyphen, grapheme joiner, Khmer, Mongolian
    '\\u2061-\\u2064\\u206A-\\u206F\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E007F}]', 'gu');

  function measure(raw, limit) {
    var text = raw.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(/\t/g, ' ').normalize('NFC');
    if (FORBIDDEN.test(text) || MARK_RUN.test(text)) return { length: null, state: 'invalid' };
    text = text.replace(INVISIBLE, function (match) { return FLAG.test(match) ? match : ''; }).trim();
    var length = Array.from(text).length; // code points, as the server counts
    return { length: length, state: length === 0 ? 'empty' : length > limit ? 'over' : 'ok' };
  }

  /* ---- State ---- */
  // `ticket` counts list loads, so an answer to an older one (another order) is dropped.
  var state = { me: null, article: null, limit: 250, items: [], best: [], next: null, replyTo: null, busy: false,
    order: 'newest', ticket: 0, quotaTimer: null, ways: { providers: [], local_login: true }, popup: null };

  /* ---- DOM helpers: text only, never HTML ---- */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === 'text') node.textContent = value;
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  var root = host.attachShadow({ mode: 'open' });
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS());
    root.adoptedStyleSheets = [sheet];
  } catch (e) { /* an old browser: unstyled but working */ }

  var ui = {};
  ui.count = el('span', { 'data-cd': 'count', text: '0' });
  ui.error = el('div', { 'data-cd': 'error', role: 'alert', 'aria-live': 'assertive', class: 'error' });
  ui.notice = el('div', { 'data-cd': 'notice', role: 'status', 'aria-live': 'polite', class: 'notice' });
  ui.auth = el('div', { 'data-cd': 'auth', class: 'auth' });
  ui.composeArea = el('div', { class: 'compose-area' });
  ui.quota = el('p', { 'data-cd': 'quota', class: 'quota', hidden: true });
  ui.tabs = el('div', { role: 'tablist', 'data-cd': 'orders', class: 'tabs', 'aria-label': T.orderBy, onkeydown: onTabKey });
  ORDERS.forEach(function (order) {
    ui.tabs.appendChild(el('button', { type: 'button', role: 'tab', id: 'cd-tab-' + order, 'data-cd': 'order-' + order,
      'aria-controls': 'cd-panel', class: 'tab', text: T.orders[order], onclick: function () { chooseOrder(order); } }));
  });
  ui.best = el('section', { 'data-cd': 'best', class: 'best', hidden: true, 'aria-labelledby': 'cd-best-title' });
  ui.list = el('ol', { 'data-cd': 'list', class: 'list' });
  ui.more = el('button', { type: 'button', 'data-cd': 'more', class: 'more', hidden: true, text: T.more, onclick: loadMore });
  ui.panel = el('div', { role: 'tabpanel', id: 'cd-panel', 'data-cd': 'panel' }, ui.best, ui.list, ui.more);
  ui.history = el('dialog', { 'data-cd': 'history', class: 'history', 'aria-labelledby': 'cd-history-title' });
  ui.policyText = el('div', { 'data-cd': 'policy-text', class: 'policy-text' });
  ui.policy = el('details', { 'data-cd': 'policy', class: 'policy' }, el('summary', { text: T.policy }), ui.policyText);

  root.appendChild(el('section', { class: 'desk', 'aria-label': T.comments },
    el('h2', { class: 'title' }, T.comments + ' ', ui.count),
    ui.auth, ui.composeArea, ui.quota, ui.error, ui.notice, ui.tabs, ui.panel, ui.policy, ui.history));
  paintTabs();

  /* ---- The API ---- */
  function token() {
    try { return SAME_ORIGIN ? null : sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }
  function keepToken(value) {
    if (SAME_ORIGIN) return; // the HttpOnly cookie carries the session
    try { value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* private mode */ }
  }

  function call(method, path, body) {
    return request(method, API + '/api/v1' + path, body);
  }

  function request(method, url, body) {
    var headers = { 'Accept-Language': LANG };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    var bearer = token();
    if (bearer) headers.Authorization = 'Bearer ' + bearer;
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: SAME_ORIGIN ? 'same-origin' : 'omit',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 204) return { status: 204, body: null };
      return response.json().catch(function () { return null; }).then(function (json) {
        return { status: response.status, body: json };
      });
    });
  }

  function problemText(problem) {
    if (!problem) return T.failed;
    var lines = [problem.detail || problem.title || T.failed];
    (problem.violations || []).forEach(function (v) { lines.push(v.message); });
    return lines.join('\n');
  }

  function say(node, text, kind) {
    node.textContent = text || '';
    if (kind) node.setAttribute('data-kind', kind); else node.removeAttribute('data-kind');
  }

  /* ---- Auth ---- */
  function renderAuth() {
    ui.auth.textContent = '';
    if (state.me) {
      ui.auth.appendChild(el('p', { class: 'me-line' },
        el('span', { 'data-cd': 'me', class: 'me', text: state.me.display_name }), ' ',
        el('button', { type: 'button', 'data-cd': 'logout', class: 'link', text: T.logout, onclick: logout })));
      return;
    }
    var group = el('div', { role: 'group', 'data-cd': 'providers', 'aria-label': T.otherAccounts });
    state.ways.providers.forEach(function (p) {
      group.appendChild(el('button', { type: 'button', 'data-cd': 'provider', 'data-provider': p.id, class: 'provider',
        text: T.signInWith(p.name), onclick: function () { signInWith(p.id); } }));
    });
    ui.auth.appendChild(el('div', { 'data-cd': 'sign-in', class: 'login' }, el('p', { class: 'prompt', text: T.loginPrompt }),
      group.firstChild ? group : null, state.ways.local_login ? loginForm() : null));
  }

  function loginForm() {
    var registering = ui.auth.getAttribute('data-mode') === 'register';
    var name = el('input', { 'data-cd': 'display-name', id: 'cd-name', name: 'display_name', autocomplete: 'nickname', maxlength: '30' });
    var email = el('input', { 'data-cd': 'email', id: 'cd-email', type: 'email', name: 'email', autocomplete: 'email', required: true });
    var password = el('input', { 'data-cd': 'password', id: 'cd-password', type: 'password', name: 'password',
      autocomplete: registering ? 'new-password' : 'current-password', required: true });
    return el('form', { 'data-cd': 'login-form', novalidate: true, onsubmit: function (event) {
      event.preventDefault();
      authenticate(registering, email.value, password.value, name.value);
    } },
      registering ? el('label', { for: 'cd-name' }, T.displayName, name) : null,
      el('label', { for: 'cd-email' }, T.email, email),
      el('label', { for: 'cd-password' }, T.password, password),
      el('div', { class: 'row' },
        el('button', { type: 'submit', 'data-cd': 'login-submit', class: 'primary', text: registering ? T.register : T.login }),
        el('button', { type: 'button', 'data-cd': 'mode-toggle', class: 'link', text: registering ? T.toLogin : T.toRegister,
          onclick: function () { ui.auth.setAttribute('data-mode', registering ? 'login' : 'register'); renderAuth(); } })));
  }

  function authenticate(registering, email, password, name) {
    var body = registering ? { email: email, password: password, display_name: name } : { email: email, password: password };
    say(ui.error, '');
    call('POST', registering ? '/auth/register' : '/auth/login', body).then(function (res) {
      if (res.status === 200 || res.status === 201) signedIn(res.body);
      else say(ui.error, problemText(res.body));
    }, function () { say(ui.error, T.failed); });
  }

  // A session answer ({token, user}) from a login, a registration or SSO.
  // `quiet`: the caller redraws (at start, before the first drawing).
  function signedIn(session, quiet) {
    keepToken(session.token);
    state.me = session.user;
    if (!quiet) refresh();
  }

  function refresh() {
    renderAuth();
    renderCompose();
    refreshQuota();
    return reloadComments();
  }

  function loadMe() {
    return call('GET', '/auth/me').then(function (res) { state.me = res.status === 200 ? res.body.user : null; });
  }

  // The newsroom's own sign-in: a token it signed for its subscriber.
  function sso(jwt) {
    say(ui.error, '');
    return call('POST', '/auth/sso', { token: String(jwt) }).then(function (res) {
      if (res.status === 200) signedIn(res.body, true); else say(ui.error, problemText(res.body));
      return res.status === 200;
    }, function () { say(ui.error, T.failed); return false; });
  }

  /* ---- Sign-in with another account ---- */
  // On the API's own origin the whole page goes to the provider and comes
  // back with the session cookie. Elsewhere a popup does, and hands the token
  // back by postMessage, so the page the reader is on stays.
  function signInWith(id) {
    var start = API + '/auth/' + encodeURIComponent(id) + '/start?return_to=' + encodeURIComponent(location.href);
    say(ui.error, '');
    if (SAME_ORIGIN) return location.assign(start + '&mode=redirect');
    state.popup = window.open(start + '&mode=popup', 'comment-desk-sign-in', 'popup,width=500,height=680');
    if (!state.popup) say(ui.error, T.popupBlocked);
  }

  // Only the popup we opened, showing a page of our API, may sign us in.
  function onMessage(event) {
    var data = event.data;
    if (!state.popup || event.source !== state.popup || event.origin !== API_ORIGIN) return;
    if (!data || data.type !== 'comment-desk:signed-in' || typeof data.token !== 'string') return;
    state.popup = null;
    keepToken(data.token);
    loadMe().then(refresh);
  }

  function logout() {
    call('POST', '/auth/logout').then(function () {
      keepToken(null);
      state.me = null;
      refresh();
    });
  }

  /* ---- Compose ---- */
  function renderCompose() {
    ui.composeArea.textContent = '';
    if (state.article && !state.article.comments_open) {
      ui.composeArea.appendChild(el('p', { 'data-cd': 'closed', class: 'closed', text: T.closed }));
      return;
    }
    var box = el('textarea', { 'data-cd': 'compose', id: 'cd-compose', rows: '4', 'aria-describedby': 'cd-counter' });
    var counter = el('span', { 'data-cd': 'counter', id: 'cd-counter', class: 'counter', 'aria-live': 'polite' });
    var submit = el('button', { type: 'submit', 'data-cd': 'submit', class: 'primary', text: T.submit });
    var replying = state.replyTo ? el('p', { 'data-cd': 'replying-to', class: 'replying' },
      T.replyingTo + state.replyTo.author.display_name + ' ',
      el('button', { type: 'button', class: 'link', text: T.cancel, onclick: function () { state.replyTo = null; renderCompose(); } })) : null;

    function update() {
      var m = measure(box.value, state.limit);
      counter.textContent = T.counter(m.length === null ? '—' : m.length, state.limit);
      counter.setAttribute('data-length', m.length === null ? '' : String(m.length));
      counter.setAttribute('data-state', m.state);
      submit.disabled = !state.me || m.state !== 'ok' || state.busy;
    }
    box.addEventListener('input', update);
    var form = el('form', { 'data-cd': 'compose-form', class: 'compose', onsubmit: function (event) {
      event.preventDefault();
      if (!submit.disabled) post(box, update);
    } },
      replying,
      el('label', { for: 'cd-compose', class: 'compose-label', text: T.compose }),
      box,
      el('div', { class: 'row' }, counter, submit));
    ui.composeArea.appendChild(form);
    update();
  }

  function post(box, update) {
    state.busy = true;
    update();
    say(ui.error, '');
    say(ui.notice, '');
    var body = { body: box.value };
    if (state.replyTo) body.parent_id = state.replyTo.id;
    call('POST', ARTICLE_PATH + '/comments', body).then(function (res) {
      state.busy = false;
      refreshQuota();
      if (res.status === 201 || res.status === 202) {
        var held = res.status === 202;
        var lines = [held ? T.held : T.posted];
        (res.body.reasons || []).forEach(function (r) { lines.push(r.message); });
        say(ui.notice, lines.join('\n'), held ? 'held' : 'posted');
        box.value = '';
        state.replyTo = null;
        renderCompose();
        reloadComments();
      } else {
        say(ui.error, problemText(res.body));
        update();
      }
    }, function () { state.busy = false; update(); say(ui.error, T.failed); });
  }

  /* ---- The list ---- */
  function renderComment(comment, best) {
    var mine = state.me && comment.author.id === state.me.id;
    var deleted = comment.status === 'deleted';
    var actions = el('div', { class: 'actions' });
    if (!deleted && !comment.parent_id && state.me && state.article && state.article.comments_open) {
      actions.appendChild(el('button', { type: 'button', 'data-cd': 'reply-button', class: 'link', text: T.reply, onclick: function () {
        state.replyTo = comment;
        renderCompose();
        var box = root.querySelector('[data-cd=compose]');
        if (box) box.focus();
      } }));
    }
    if (!deleted && state.me && !mine) {
      actions.appendChild(el('button', { type: 'button', 'data-cd': 'report-button', class: 'link', text: T.report,
        onclick: function (event) { openReport(event.currentTarget, comment); } }));
    }
    if (!deleted && mine) {
      actions.appendChild(el('button', { type: 'button', 'data-cd': 'delete-button', class: 'link', text: T.del,
        onclick: function () { if (window.confirm(T.confirmDelete)) remove(comment); } }));
    }
    var item = el('li', { 'data-cd': 'comment', 'data-id': comment.id, 'data-status': comment.status, class: 'comment' },
      el('div', { class: 'head' },
        el('span', { 'data-cd': 'author', class: 'author' }, deleted ? null : authorName(comment.author)),
        best ? el('span', { 'data-cd': 'best-badge', class: 'badge', text: T.bestBadge }) : null,
        comment.featured ? el('span', { 'data-cd': 'featured-badge', class: 'badge pick', text: T.featured }) : null,
        el('time', { datetime: comment.created_at, class: 'time', text: new Date(comment.created_at).toLocaleString(LOCALE) }),
        comment.edited_at ? el('span', { class: 'edited', text: T.edited }) : null,
        comment.status === 'pending' ? el('span', { 'data-cd': 'pending-note', class: 'pending', text: T.pending }) : null),
      el('p', { 'data-cd': 'body', class: deleted ? 'body deleted' : 'body', text: deleted ? T.deleted : comment.body }),
      comment.status === 'published' ? renderReactions(comment, mine) : null,
      actions);
    if (comment.replies) {
      var replies = el('ol', { 'data-cd': 'replies', class: 'replies' });
      comment.replies.forEach(function (reply) { replies.appendChild(renderComment(reply)); });
      item.appendChild(replies);
    }
    return item;
  }

  function renderList() {
    ui.best.textContent = '';
    ui.best.hidden = !state.best.length;
    if (state.best.length) {
      var best = el('ol', { class: 'list' });
      state.best.forEach(function (comment) { best.appendChild(renderComment(comment, true)); });
      ui.best.append(el('h3', { id: 'cd-best-title', class: 'best-title', text: T.best }), best);
    }
    ui.list.textContent = '';
    state.items.forEach(function (comment) { ui.list.appendChild(renderComment(comment)); });
    ui.more.hidden = !state.next;
    ui.count.textContent = String(state.article ? state.article.comment_count : 0);
  }

  function fetchPage(cursor) {
    var query = '?order=' + state.order + '&limit=20' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    return call('GET', ARTICLE_PATH + '/comments' + query);
  }

  // The best comments head the default view only (newest, first page).
  function fetchBest() {
    if (state.order !== 'newest') return Promise.resolve([]);
    return call('GET', ARTICLE_PATH + '/best').then(function (res) {
      return res.status === 200 && res.body.comments || [];
    }, function () { return []; });
  }

  function reloadComments() {
    var ticket = ++state.ticket;
    return Promise.all([fetchPage(null), call('GET', ARTICLE_PATH), fetchBest()]).then(function (results) {
      if (ticket !== state.ticket) return;
      if (results[1].status === 200) state.article = results[1].body.article;
      if (results[0].status === 200) {
        state.items = results[0].body.comments;
        state.next = results[0].body.next_cursor;
        if (state.article) state.article.comment_count = results[0].body.total;
      }
      state.best = results[2];
      renderList();
    });
  }

  function loadMore() {
    if (!state.next) return;
    var ticket = state.ticket;
    fetchPage(state.next).then(function (res) {
      if (ticket !== state.ticket) return;
      if (res.status !== 200) return say(ui.error, problemText(res.body));
      state.items = state.items.concat(res.body.comments);
      state.next = res.body.next_cursor;
      renderList();
    });
  }

  /* ---- Orderings: a tablist; arrows, Home and End move and choose ---- */
  function paintTabs() {
    Array.prototype.forEach.call(ui.tabs.children, function (tab, i) {
      var chosen = ORDERS[i] === state.order;
      tab.setAttribute('aria-selected', String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
    });
    ui.panel.setAttribute('aria-labelledby', 'cd-tab-' + state.order);
  }

  function chooseOrder(order) {
    if (order === state.order) return;
    state.order = order;
    state.next = null;
    paintTabs();
    reloadComments();
  }

  function onTabKey(event) {
    var at = ORDERS.indexOf(state.order), n = ORDERS.length;
    var to = { ArrowRight: at + 1, ArrowLeft: at + n - 1, Home: 0, End: n - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    chooseOrder(ORDERS[to % n]);
    ui.tabs.children[to % n].focus();
  }

  /* ---- 공감/비공감: the counts and pressed state are always the server's ---- */
  function renderReactions(comment, mine) {
    var bar = el('div', { 'data-cd': 'reactions', 'data-for': comment.id, class: 'reactions' });
    var note = el('span', { 'data-cd': 'reaction-note', class: 'note', role: 'status' });
    ['like', 'dislike'].forEach(function (kind) {
      bar.appendChild(el('button', { type: 'button', 'data-cd': kind, class: 'react', disabled: !!mine,
        onclick: function () { react(comment, kind, bar, note); } }));
    });
    bar.appendChild(note);
    paintReactions(bar, comment);
    return bar;
  }

  // `tally` is a comment or a reaction answer: {likes, dislikes, my_reaction}.
  function paintReactions(bar, tally) {
    ['like', 'dislike'].forEach(function (kind) {
      var button = bar.querySelector('[data-cd=' + kind + ']');
      button.textContent = T[kind] + ' ' + tally[kind + 's'];
      button.setAttribute('aria-pressed', String(tally.my_reaction === kind));
    });
  }

  function react(comment, kind, bar, note) {
    say(note, '');
    if (!state.me) {
      say(note, T.reactLogin, 'login');
      var first = root.querySelector('[data-cd=email]') || root.querySelector('[data-cd=provider]');
      if (first) first.focus();
      return;
    }
    if (bar.getAttribute('aria-busy')) return;
    bar.setAttribute('aria-busy', 'true');
    var path = '/comments/' + encodeURIComponent(comment.id) + '/reaction';
    var answer = comment.my_reaction === kind ? call('DELETE', path) : call('PUT', path, { kind: kind });
    answer.then(function (res) {
      bar.removeAttribute('aria-busy');
      if (res.status === 200) keepTally(comment.id, res.body); else say(note, problemText(res.body), 'error');
    }, function () { bar.removeAttribute('aria-busy'); say(note, T.failed, 'error'); });
  }

  // A comment can be drawn twice (best and list): both copies take the answer.
  function keepTally(id, tally) {
    var all = state.best.concat(state.items);
    state.items.forEach(function (c) { all = all.concat(c.replies || []); });
    all.forEach(function (c) {
      if (c.id !== id) return;
      c.likes = tally.likes;
      c.dislikes = tally.dislikes;
      c.my_reaction = tally.my_reaction;
    });
    root.querySelectorAll('[data-cd=reactions]').forEach(function (bar) {
      if (bar.getAttribute('data-for') === id) paintReactions(bar, tally);
    });
  }

  /* ---- The quota line: what the reader may still post ---- */
  function refreshQuota() {
    clearTimeout(state.quotaTimer);
    if (!state.me) return showQuota(null);
    call('GET', '/auth/me/quota?article_id=' + encodeURIComponent(ARTICLE)).then(function (res) {
      showQuota(res.status === 200 ? res.body : null);
    }, function () { showQuota(null); });
  }

  function showQuota(quota) {
    var parts = [], day = quota && quota.comments_today, here = quota && quota.on_article;
    if (day) parts.push(T.leftToday(day.remaining));
    if (here && (!day || here.remaining < day.remaining)) parts.push(T.leftHere(here.remaining));
    var next = quota && quota.next_comment_at ? new Date(quota.next_comment_at) : null;
    if (next && next > Date.now()) {
      parts.push(T.nextAt(next.toLocaleTimeString(LOCALE)));
      // Ask again when that moment comes, so the line does not go stale.
      state.quotaTimer = setTimeout(refreshQuota, Math.min(next - Date.now() + 500, 3600000));
    }
    ui.quota.textContent = parts.join(' · ');
    ui.quota.hidden = !parts.length;
  }

  /* ---- An author's history, in a dialog inside the widget ---- */
  // Only a path on our API: the bearer token must never go elsewhere.
  function historyPath(author) {
    var path = author.history_url;
    return typeof path === 'string' && /^\/[^/\\]/.test(path) ? path : null;
  }

  function authorName(author) {
    var path = historyPath(author);
    if (!path) return author.display_name;
    return el('button', { type: 'button', 'data-cd': 'history-link', class: 'link name', 'aria-haspopup': 'dialog',
      text: author.display_name, onclick: function () { openHistory(author.display_name, path); } });
  }

  function openHistory(name, path) {
    var view = { path: path, cursor: null,
      list: el('ol', { 'data-cd': 'history-list', class: 'list' }),
      status: el('p', { 'data-cd': 'history-status', role: 'status' }),
      more: el('button', { type: 'button', 'data-cd': 'history-more', class: 'more', hidden: true, text: T.more,
        onclick: function () { loadHistory(view); } }),
      close: el('button', { type: 'button', 'data-cd': 'history-close', class: 'more', text: T.close,
        onclick: function () { ui.history.close(); } }) };
    ui.history.textContent = '';
    ui.history.append(el('h3', { id: 'cd-history-title', text: T.historyOf(name) }), view.status, view.list, view.more, view.close);
    ui.history.showModal();
    loadHistory(view);
  }

  function loadHistory(view) {
    var first = !view.cursor;
    var url = API + view.path + (first ? '' : (view.path.indexOf('?') < 0 ? '?' : '&') + 'cursor=' + encodeURIComponent(view.cursor));
    request('GET', url).then(function (res) {
      if (res.status !== 200) return say(view.status, problemText(res.body), 'error');
      var h = res.body;
      if (first) {
        var ratio = typeof h.ratio_30d === 'number' ? Math.round(h.ratio_30d * 100) + '%' : '—';
        say(view.status, [T.joined + ' ' + new Date(h.user.joined_at).toLocaleDateString(LOCALE),
          T.published + ' ' + h.published_count, T.received + ' ' + h.likes_received + '/' + h.dislikes_received,
          T.ratio30 + ' ' + ratio].concat(h.user.sanctioned ? [T.sanctioned] : []).join(' · '));
      }
      h.comments.forEach(function (c) { view.list.appendChild(historyItem(c)); });
      view.cursor = h.next_cursor;
      // The last page hides the button; its focus goes to the close button, not lost.
      if (!view.cursor && root.activeElement === view.more) view.close.focus();
      view.more.hidden = !view.cursor;
    }, function () { say(view.status, T.failed, 'error'); });
  }

  function historyItem(c) {
    var href = safeUrl(c.article_url);
    return el('li', { 'data-cd': 'history-item', class: 'comment' },
      el('div', { class: 'head' }, href ? el('a', { href: href, text: c.article_title }) : c.article_title,
        el('time', { datetime: c.created_at, class: 'time', text: new Date(c.created_at).toLocaleString(LOCALE) })),
      el('p', { class: 'body', text: c.body }),
      el('p', { class: 'time', text: T.like + ' ' + c.likes + ' · ' + T.dislike + ' ' + c.dislikes }));
  }

  // Links from data open http(s) pages only, never javascript: or data:.
  function safeUrl(url) {
    try {
      var parsed = new URL(url, API);
      return /^https?:$/.test(parsed.protocol) ? parsed.href : null;
    } catch (e) { return null; }
  }

  function remove(comment) {
    call('DELETE', '/comments/' + encodeURIComponent(comment.id)).then(function (res) {
      if (res.status === 204) reloadComments(); else say(ui.error, problemText(res.body));
    });
  }

  function openReport(button, comment) {
    var select = el('select', { 'data-cd': 'report-reason', 'aria-label': T.reportReason });
    Object.keys(T.reasons).forEach(function (key) { select.appendChild(el('option', { value: key, text: T.reasons[key] })); });
    var form = el('form', { 'data-cd': 'report-form', class: 'report', onsubmit: function (event) {
      event.preventDefault();
      call('POST', '/comments/' + encodeURIComponent(comment.id) + '/reports', { reason: select.value }).then(function (res) {
        form.remove();
        if (res.status === 202) say(ui.notice, T.reported, 'reported'); else say(ui.error, problemText(res.body));
      });
    } }, select, el('button', { type: 'submit', 'data-cd': 'report-submit', class: 'link', text: T.send }));
    button.parentNode.appendChild(form);
    select.focus();
  }

  /* ---- Start ---- */
  function start() {
    var jwt = host.dataset.ssoToken;
    var me = jwt ? sso(jwt).then(function (done) { return done || loadMe(); }) : loadMe();
    var ways = call('GET', '/auth/providers').then(function (res) { if (res.status === 200) state.ways = res.body; });
    var policy = call('GET', '/policy').then(function (res) {
      if (res.status !== 200) return;
      state.limit = res.body.max_length;
      ui.policyText.textContent = res.body.text;
    });
    return Promise.all([me, ways, policy]).then(reloadComments).then(function () {
      renderAuth();
      renderCompose();
      refreshQuota();
      host.setAttribute('data-ready', 'true');
    }, function () {
      say(ui.error, T.failed);
      host.setAttribute('data-ready', 'true');
    });
  }

  function CSS() {
    return [
      ':host { display: block; font: 16px/1.6 system-ui, -apple-system, "Apple SD Gothic Neo", "Noto Sans KR", sans-serif; color: #1a1a1a; }',
      '.desk { border-top: 2px solid #1a1a1a; padding-top: 12px; }',
      '.title { font-size: 1.15rem; margin: 0 0 12px; }',
      '.title [data-cd=count] { color: #b3261e; }',
      'label { display: block; font-size: .9rem; margin: 6px 0; }',
      'input, textarea, select { display: block; width: 100%; box-sizing: border-box; font: inherit; padding: 8px; border: 1px solid #888; border-radius: 4px; margin-top: 2px; }',
      'textarea { resize: vertical; min-height: 5.5em; }',
      'input:focus, textarea:focus, button:focus, select:focus, summary:focus { outline: 3px solid #1f6feb; outline-offset: 1px; }',
      '.row { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin-top: 8px; flex-wrap: wrap; }',
      'button { font: inherit; cursor: pointer; }',
      '.primary { background: #1a1a1a; color: #fff; border: 0; border-radius: 4px; padding: 8px 18px; }',
      '.primary:disabled { background: #9a9a9a; cursor: not-allowed; }',
      '.link { background: none; border: 0; color: #1f4fa8; padding: 2px 4px; text-decoration: underline; }',
      '.counter { font-variant-numeric: tabular-nums; color: #555; }',
      '.counter[data-state=over], .counter[data-state=invalid] { color: #b3261e; font-weight: 600; }',
      '.error:not(:empty) { white-space: pre-line; color: #b3261e; background: #fdecea; border-left: 4px solid #b3261e; padding: 8px 12px; margin: 10px 0; }',
      '.notice:not(:empty) { white-space: pre-line; background: #eef4ff; border-left: 4px solid #1f4fa8; padding: 8px 12px; margin: 10px 0; }',
      '.login, .compose { background: #f6f6f4; padding: 12px; border-radius: 6px; margin-bottom: 12px; }',
      '.prompt { margin: 0 0 6px; font-size: .95rem; }',
      '.closed { background: #f6f6f4; padding: 12px; border-radius: 6px; }',
      '.list, .replies { list-style: none; margin: 0; padding: 0; }',
      '.comment { border-bottom: 1px solid #e2e2e2; padding: 12px 0; }',
      '.replies { margin-left: 20px; border-left: 2px solid #e2e2e2; padding-left: 12px; }',
      '.replies .comment:last-child { border-bottom: 0; }',
      '.head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; font-size: .9rem; }',
      '.author { font-weight: 700; }',
      '.time, .edited { color: #666; }',
      '.pending { color: #8a5a00; background: #fff4d6; padding: 0 6px; border-radius: 3px; }',
      '.body { margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }',
      '.body.deleted { color: #777; font-style: italic; }',
      '.actions { display: flex; gap: 6px; flex-wrap: wrap; font-size: .85rem; }',
      '.report { display: flex; gap: 6px; align-items: center; }',
      '.report select { width: auto; }',
      '.more { display: block; width: 100%; margin: 12px 0; padding: 8px; background: #fff; border: 1px solid #888; border-radius: 4px; }',
      '.policy { margin-top: 16px; font-size: .9rem; }',
      '.policy-text { white-space: pre-line; padding: 8px 0; }',
      '.me { font-weight: 700; }',
      '.provider { display: block; width: 100%; margin: 0 0 8px; padding: 10px; border: 1px solid #888; border-radius: 6px; background: #fff; color: #1a1a1a; font-weight: 700; }',
      '.provider[data-provider=kakao] { background: #FEE500; border-color: #FEE500; color: #000; }',
      '.provider[data-provider=naver] { background: #03C75A; border-color: #03C75A; color: #fff; }',
      '.quota { font-size: .85rem; color: #555; margin: -4px 0 10px; }',
      '.tabs { display: flex; gap: 4px; border-bottom: 1px solid #888; margin-top: 12px; flex-wrap: wrap; }',
      '.tab { background: none; border: 0; border-bottom: 3px solid transparent; padding: 6px 10px; color: #555; }',
      '.tab[aria-selected=true] { border-color: #1a1a1a; color: #1a1a1a; font-weight: 700; }',
      '.best { background: #fffaf0; padding: 0 10px; margin: 8px 0; border-radius: 6px; }',
      '.best-title { font-size: 1rem; margin: 0; padding-top: 8px; }',
      '.badge { font-size: .75rem; font-weight: 700; color: #fff; background: #b3261e; padding: 0 6px; border-radius: 3px; }',
      '.badge.pick { background: #1f4fa8; }',
      '.name { font-weight: 700; color: inherit; padding: 0; }',
      '.reactions { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 4px 0; font-size: .85rem; }',
      '.react { background: #fff; border: 1px solid #888; border-radius: 14px; padding: 2px 10px; }',
      '.react[aria-pressed=true] { background: #1a1a1a; color: #fff; border-color: #1a1a1a; }',
      '.react:disabled { opacity: .6; cursor: default; }',
      '.note:not(:empty) { color: #555; }',
      '.note[data-kind=error] { color: #b3261e; }',
      '.history { max-width: 560px; width: calc(100% - 32px); border: 1px solid #888; border-radius: 6px; }',
      '.history::backdrop { background: rgba(0, 0, 0, .4); }',
      '[hidden] { display: none !important; }'
    ].join('\n');
  }

  window.addEventListener('message', onMessage);
  var started = start();
  // For the newsroom's page: signs its subscriber in with a token it signed.
  window.commentDesk = window.commentDesk || {};
  window.commentDesk.login = function (jwt) {
    return started.then(function () { return sso(jwt); }).then(function (done) {
      return done ? refresh().then(function () { return true; }) : false;
    });
  };
})();
