/*
 * Comment Desk: the moderator desk, served at /desk.
 *
 * Plain JavaScript, no build step, no inline code (the page's CSP forbids it).
 * It talks to the API on this origin with the session cookie; every text from
 * readers reaches the DOM through textContent only. The keyboard acts on the
 * selected item of the open queue: j/k move, a/r/d decide, s/b sanction the
 * author, o opens the author, u undoes the last decision, ? shows the keys.
 */
(function () {
  'use strict';

  var root = document.getElementById('desk');
  if (!root) return;
  var LANG = document.documentElement.lang === 'en' ? 'en' : 'ko';
  var LOCALE = LANG === 'ko' ? 'ko-KR' : 'en-GB';
  var API = '/api/v1';
  var QUEUES = ['pending', 'reported', 'rejected', 'featured'];
  var PAGE = 100;
  var UNDO_MS = 10000;
  var REASONS = ['spam', 'abuse', 'hate', 'personal_information', 'off_topic', 'other'];

  var T = {
    ko: {
      title: '운영 데스크', signIn: '운영자 로그인', email: '이메일', password: '비밀번호', login: '로그인',
      logout: '로그아웃', staffOnly: '운영자 전용 페이지입니다', staffOnlyText: '이 계정은 독자 계정입니다. 운영자 또는 관리자 계정으로 로그인해 주세요.',
      queues: { pending: '검토 대기', reported: '신고됨', rejected: '거부됨', featured: '편집자 추천', log: '운영 기록' },
      allEditorials: '모든 기사', allRules: '모든 규칙', editorial: '기사', rule: '걸린 규칙',
      settings: '기사 설정', open: '댓글 받기', premoderation: '사전 검토', saved: '설정을 저장했습니다.',
      empty: '처리할 댓글이 없습니다.', more: '더 보기', replyTo: '원댓글', reports: '신고', notes: '신고 메모',
      approve: '승인', reject: '거부', del: '삭제', suspend: '정지', ban: '차단', author: '작성자 보기',
      rejectWhy: '거부 사유를 고르세요 (1–6, Esc 취소)', cancel: '취소', confirm: '확인', close: '닫기',
      reasons: { spam: '스팸', abuse: '욕설·비방', hate: '혐오 표현', personal_information: '개인정보 노출', off_topic: '기사와 무관', other: '기타' },
      done: { approve: '승인했습니다.', reject: '거부했습니다.', delete: '삭제했습니다.' },
      undone: '되돌렸습니다.', undoButton: '되돌리기', nothingToUndo: '되돌릴 결정이 없습니다.',
      firstBy: function (name, status) { return (name || '다른 운영자') + '님이 먼저 처리했습니다 (' + status + ').'; },
      status: { pending: '검토 대기', published: '게시됨', rejected: '거부됨', deleted: '삭제됨' },
      published: '게시', rejectedCount: '거부', joined: '가입', days: function (n) { return n < 1 ? '오늘 가입' : '가입 ' + n + '일'; },
      sanction: { suspend: '정지 중', ban: '차단됨' }, until: '까지',
      suspendTitle: '작성자 정지', banTitle: '작성자 차단', duration: '기간', reason: '사유',
      durations: [[1, '1일'], [3, '3일'], [7, '7일'], [30, '30일']], defaultReason: '운영 원칙 위반',
      rejectPending: '이 작성자의 검토 대기 댓글을 모두 거부', sanctioned: '제재했습니다.', lifted: '제재를 해제했습니다.',
      drawer: '작성자', history: '작성한 댓글', logOf: '운영 기록', sanctions: '제재 이력', lift: '해제', active: '진행 중',
      note: '운영자 메모 (독자에게 보이지 않음)', saveNote: '메모 저장', noteSaved: '메모를 저장했습니다.', none: '없음',
      live: { open: '실시간 연결됨', connecting: '연결 중…' }, failed: '요청을 처리하지 못했습니다. 다시 시도해 주세요.',
      help: '단축키', keys: [['j / k', '다음 / 이전 댓글'], ['a', '승인'], ['r 다음 1–6', '사유를 골라 거부'], ['d', '삭제'],
        ['s', '작성자 정지'], ['b', '작성자 차단'], ['o', '작성자 보기'], ['u', '마지막 결정 되돌리기 (10초 안)'], ['?', '이 도움말'], ['Esc', '닫기']],
      providers: { password: '이메일', kakao: '카카오', naver: '네이버', google: 'Google', facebook: 'Facebook', x: 'X', sso: '언론사 계정' },
      signInWith: function (name) { return name + ' 계정으로 로그인'; }, other: 'English', otherHref: '?lang=en',
      premodRule: '사전 검토', anonymousNote: '작성자 없음',
      reactions: function (l, d, n) { return '공감 ' + l + ' · 비공감 ' + d + (n ? ' (새 계정 ' + n + ')' : ''); }
    },
    en: {
      title: 'Moderator desk', signIn: 'Staff sign-in', email: 'Email', password: 'Password', login: 'Log in',
      logout: 'Log out', staffOnly: 'Staff only', staffOnlyText: 'This is a reader account. Sign in with a moderator or admin account.',
      queues: { pending: 'Pending', reported: 'Reported', rejected: 'Rejected', featured: 'Featured', log: 'Log' },
      allEditorials: 'All editorials', allRules: 'All rules', editorial: 'Editorial', rule: 'Rule fired',
      settings: 'Editorial settings', open: 'Comments open', premoderation: 'Premoderation', saved: 'Settings saved.',
      empty: 'Nothing to review.', more: 'Load more', replyTo: 'In reply to', reports: 'Reports', notes: 'Report notes',
      approve: 'Approve', reject: 'Reject', del: 'Delete', suspend: 'Suspend', ban: 'Ban', author: 'Author',
      rejectWhy: 'Pick a reason (1–6, Esc cancels)', cancel: 'Cancel', confirm: 'Confirm', close: 'Close',
      reasons: { spam: 'Spam', abuse: 'Abuse', hate: 'Hate', personal_information: 'Personal information', off_topic: 'Off topic', other: 'Other' },
      done: { approve: 'Approved.', reject: 'Rejected.', delete: 'Deleted.' },
      undone: 'Undone.', undoButton: 'Undo', nothingToUndo: 'Nothing to undo.',
      firstBy: function (name, status) { return (name || 'Another moderator') + ' got there first (' + status + ').'; },
      status: { pending: 'pending', published: 'published', rejected: 'rejected', deleted: 'deleted' },
      published: 'published', rejectedCount: 'rejected', joined: 'joined', days: function (n) { return n < 1 ? 'joined today' : 'joined ' + n + (n === 1 ? ' day' : ' days') + ' ago'; },
      sanction: { suspend: 'suspended', ban: 'banned' }, until: 'until',
      suspendTitle: 'Suspend the author', banTitle: 'Ban the author', duration: 'For', reason: 'Reason',
      durations: [[1, '1 day'], [3, '3 days'], [7, '7 days'], [30, '30 days']], defaultReason: 'Breaks the standards policy',
      rejectPending: "Reject all of this author's pending comments", sanctioned: 'Sanction recorded.', lifted: 'Sanction lifted.',
      drawer: 'Author', history: 'Comments', logOf: 'Moderation log', sanctions: 'Sanctions', lift: 'Lift', active: 'in force',
      note: 'Moderators’ note (readers never see it)', saveNote: 'Save note', noteSaved: 'Note saved.', none: 'none',
      live: { open: 'Live', connecting: 'Connecting…' }, failed: 'The request failed. Please try again.',
      help: 'Keys', keys: [['j / k', 'next / previous comment'], ['a', 'approve'], ['r then 1–6', 'reject with a reason'], ['d', 'delete'],
        ['s', 'suspend the author'], ['b', 'ban the author'], ['o', 'open the author'], ['u', 'undo the last decision (within 10 s)'], ['?', 'this help'], ['Esc', 'close']],
      providers: { password: 'email', kakao: 'Kakao', naver: 'Naver', google: 'Google', facebook: 'Facebook', x: 'X', sso: 'newsroom account' },
      signInWith: function (name) { return 'Sign in with ' + name; }, other: '한국어', otherHref: '?lang=ko',
      premodRule: 'Premoderation', anonymousNote: 'no author',
      reactions: function (l, d, n) { return l + ' likes · ' + d + ' dislikes' + (n ? ' (' + n + ' from new accounts)' : ''); }
    }
  }[LANG];

  var state = {
    me: null, queue: 'pending', article: '', rule: '', items: [], next: null, selected: 0,
    counts: {}, articles: [], rules: [], rejecting: false, undo: null,
    drawer: null, events: null, refreshTimer: null, ticket: 0
  };
  var ui = {};

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
    Array.prototype.slice.call(arguments, 2).forEach(function add(child) {
      if (child === null || child === undefined || child === false) return;
      if (Array.isArray(child)) child.forEach(add);
      else node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  // A reader's name, isolated so that bidi controls in it cannot reorder what follows.
  function name(text) { return el('bdi', { class: 'name', text: text }); }
  function when(iso) {
    return iso ? new Intl.DateTimeFormat(LOCALE, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso)) : '';
  }

  /* ---- The API ---- */
  function call(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json', 'Accept-Language': LANG } };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(API + path, init).then(function (res) {
      return res.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        if (res.status === 401 && path !== '/auth/me' && path !== '/auth/login') signedOut();
        return { status: res.status, body: parsed };
      });
    });
  }
  function problemText(body) { return body && (body.detail || body.title) || T.failed; }
  function query(params) {
    var parts = Object.keys(params).filter(function (k) { return params[k] !== '' && params[k] !== null && params[k] !== undefined; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); });
    return parts.length ? '?' + parts.join('&') : '';
  }

  /* ---- Notices ---- */
  var toastTimer = null;
  function toast(text, kind, action) {
    clear(ui.toast).setAttribute('data-kind', kind || 'info');
    ui.toast.appendChild(el('span', { 'data-desk': 'toast-text', text: text }));
    if (action) ui.toast.appendChild(el('button', { type: 'button', 'data-desk': 'toast-action', onclick: action.run }, action.label, el('kbd', { text: action.key })));
    ui.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { ui.toast.hidden = true; }, kind === 'error' || kind === 'conflict' ? 8000 : UNDO_MS);
  }

  /* ---- Sign-in ---- */
  function start() {
    document.title = T.title + ' — Comment Desk';
    var sso = /^#sso=(.+)$/.exec(location.hash);
    if (sso) history.replaceState(null, '', location.pathname + location.search);
    var signedIn = sso ? call('POST', '/auth/sso', { token: decodeURIComponent(sso[1]) }) : Promise.resolve();
    signedIn.then(loadMe).then(route, function () { drawSignIn(T.failed); });
  }
  function loadMe() {
    return call('GET', '/auth/me').then(function (res) { state.me = res.status === 200 ? res.body.user : null; });
  }
  function route() {
    if (!state.me) return drawSignIn('');
    if (state.me.role !== 'moderator' && state.me.role !== 'admin') return drawStaffOnly();
    drawDesk();
  }
  function signedOut() {
    if (!state.me) return;
    state.me = null;
    if (state.events) { state.events.close(); state.events = null; }
    drawSignIn('');
  }
  function frame(main) {
    clear(root).setAttribute('data-ready', 'true');
    root.appendChild(el('header', { class: 'bar' },
      el('h1', { text: T.title }),
      el('a', { class: 'lang', href: T.otherHref, text: T.other })));
    root.appendChild(main);
  }
  function drawSignIn(message) {
    root.setAttribute('data-view', 'sign-in');
    var email = el('input', { id: 'desk-email', type: 'email', autocomplete: 'username', required: true, 'data-desk': 'email' });
    var password = el('input', { id: 'desk-password', type: 'password', autocomplete: 'current-password', required: true, 'data-desk': 'password' });
    var error = el('p', { class: 'error', role: 'alert', 'data-desk': 'error', text: message });
    var providers = el('div', { class: 'providers', 'data-desk': 'providers' });
    var form = el('form', { class: 'sign-in', 'data-desk': 'sign-in', onsubmit: function (event) {
      event.preventDefault();
      call('POST', '/auth/login', { email: email.value, password: password.value }).then(function (res) {
        if (res.status !== 200) { error.textContent = problemText(res.body); return; }
        state.me = res.body.user;
        route();
      }, function () { error.textContent = T.failed; });
    } },
      el('h2', { text: T.signIn }),
      el('label', { for: 'desk-email' }, T.email, email),
      el('label', { for: 'desk-password' }, T.password, password),
      el('button', { type: 'submit', class: 'primary', 'data-desk': 'login', text: T.login }),
      providers, error);
    frame(el('main', { class: 'centered' }, form));
    email.focus();
    call('GET', '/auth/providers').then(function (res) {
      if (res.status !== 200) return;
      if (res.body.local_login === false) { email.parentNode.remove(); password.parentNode.remove(); form.querySelector('[data-desk=login]').remove(); }
      res.body.providers.forEach(function (p) {
        providers.appendChild(el('button', { type: 'button', class: 'provider', 'data-provider': p.id, text: T.signInWith(p.name), onclick: function () {
          location.assign('/auth/' + encodeURIComponent(p.id) + '/start?mode=redirect&return_to=' + encodeURIComponent(location.href));
        } }));
      });
    });
  }
  function drawStaffOnly() {
    root.setAttribute('data-view', 'staff-only');
    frame(el('main', { class: 'centered' }, el('section', { class: 'sign-in', 'data-desk': 'staff-only' },
      el('h2', { text: T.staffOnly }), el('p', { text: T.staffOnlyText }),
      el('button', { type: 'button', 'data-desk': 'logout', onclick: logout, text: T.logout }))));
  }
  function logout() {
    call('POST', '/auth/logout').then(function () { signedOut(); state.me = null; drawSignIn(''); });
  }

  /* ---- The desk ---- */
  function drawDesk() {
    root.setAttribute('data-view', 'desk');
    clear(root).setAttribute('data-ready', 'false');
    ui.live = el('span', { class: 'live', 'data-desk': 'live', 'data-state': 'connecting', text: T.live.connecting });
    root.appendChild(el('header', { class: 'bar' },
      el('h1', { text: T.title }), ui.live,
      el('span', { class: 'me', 'data-desk': 'me' }, name(state.me.display_name), ' · ' + state.me.role),
      el('button', { type: 'button', 'data-desk': 'help', 'aria-keyshortcuts': '?', onclick: showHelp, text: '?' }),
      el('button', { type: 'button', 'data-desk': 'logout', onclick: logout, text: T.logout }),
      el('a', { class: 'lang', href: T.otherHref, text: T.other })));
    ui.tabs = el('nav', { class: 'queues', 'aria-label': T.title, 'data-desk': 'queues' });
    QUEUES.concat(['log']).forEach(function (q) {
      ui.tabs.appendChild(el('button', { type: 'button', 'data-desk': 'queue', 'data-queue': q, onclick: function () { openQueue(q); } },
        el('span', { text: T.queues[q] }), q === 'log' ? null : el('span', { class: 'count', 'data-desk': 'count', 'data-queue': q })));
    });
    ui.article = el('select', { id: 'desk-article', 'data-desk': 'filter-article', onchange: function () { state.article = ui.article.value; drawSettings(); openQueue(state.queue); } },
      el('option', { value: '', text: T.allEditorials }));
    ui.rule = el('select', { id: 'desk-rule', 'data-desk': 'filter-rule', onchange: function () { state.rule = ui.rule.value; openQueue(state.queue); } },
      el('option', { value: '', text: T.allRules }));
    ui.settings = el('fieldset', { class: 'settings', 'data-desk': 'settings', hidden: true });
    var side = el('aside', { class: 'side' }, ui.tabs,
      el('label', { for: 'desk-article' }, T.editorial, ui.article),
      el('label', { for: 'desk-rule' }, T.rule, ui.rule), ui.settings);
    ui.list = el('ol', { class: 'items', 'data-desk': 'list', 'aria-live': 'off' });
    ui.empty = el('p', { class: 'empty', 'data-desk': 'empty', tabindex: '-1', hidden: true, text: T.empty });
    ui.more = el('button', { type: 'button', class: 'more', 'data-desk': 'more', hidden: true, text: T.more, onclick: loadMore });
    ui.main = el('main', { class: 'work', 'data-desk': 'main' }, ui.list, ui.empty, ui.more);
    ui.drawer = el('aside', { class: 'drawer', 'data-desk': 'drawer', hidden: true, 'aria-label': T.drawer });
    ui.toast = el('div', { class: 'toast', role: 'status', 'aria-live': 'polite', 'data-desk': 'toast', hidden: true });
    ui.dialog = el('dialog', { class: 'dialog', 'data-desk': 'dialog' });
    root.appendChild(el('div', { class: 'layout' }, side, ui.main, ui.drawer));
    root.appendChild(ui.toast);
    root.appendChild(ui.dialog);
    loadFilters();
    connectEvents();
    openQueue('pending');
  }

  function loadFilters() {
    call('GET', '/moderation/articles').then(function (res) {
      if (res.status !== 200) return;
      state.articles = res.body.articles;
      state.articles.forEach(function (a) { ui.article.appendChild(el('option', { value: a.id, text: a.title })); });
    });
    call('GET', '/policy').then(function (res) {
      if (res.status !== 200) return;
      state.rules = res.body.rules;
      // The text rule's codes refuse before anything is stored: never a reason in a queue.
      state.rules.filter(function (r) { return r.code.indexOf('comment_') !== 0; }).forEach(function (r) {
        ui.rule.appendChild(el('option', { value: r.code, text: r.title }));
      });
    });
  }
  function ruleTitle(code) {
    if (code === 'premoderation') return T.premodRule;
    var rule = state.rules.filter(function (r) { return r.code === code; })[0];
    return rule ? rule.title : code;
  }

  /* ---- Editorial settings ---- */
  function drawSettings() {
    var article = state.articles.filter(function (a) { return a.id === state.article; })[0];
    clear(ui.settings).hidden = !article;
    if (!article) return;
    ui.settings.appendChild(el('legend', { text: T.settings }));
    [['comments_open', T.open, 'setting-open'], ['premoderation', T.premoderation, 'setting-premoderation']].forEach(function (s) {
      var box = el('input', { type: 'checkbox', id: 'desk-' + s[2], 'data-desk': s[2], checked: article[s[0]], onchange: function () {
        var change = { title: article.title, url: article.url, published_at: article.published_at };
        change.comments_open = s[0] === 'comments_open' ? box.checked : article.comments_open;
        change.premoderation = s[0] === 'premoderation' ? box.checked : article.premoderation;
        call('PUT', '/articles/' + encodeURIComponent(article.id), change).then(function (res) {
          if (res.status === 200) { Object.assign(article, res.body.article); toast(T.saved); } else { box.checked = !box.checked; toast(problemText(res.body), 'error'); }
        });
      } });
      ui.settings.appendChild(el('label', { class: 'check', for: 'desk-' + s[2] }, box, s[1]));
    });
  }

  /* ---- Queues ---- */
  function openQueue(queue) {
    state.queue = queue;
    state.selected = 0;
    state.rejecting = false;
    Array.prototype.forEach.call(ui.tabs.querySelectorAll('[data-desk=queue]'), function (tab) {
      tab.setAttribute('aria-current', tab.getAttribute('data-queue') === queue ? 'page' : 'false');
    });
    state.items = [];
    clear(ui.list);
    if (queue === 'log') return loadLog(null);
    refreshCounts();
    return loadQueue(PAGE, null).then(function (page) {
      if (!page) return;
      state.items = page.items;
      state.next = page.next_cursor;
      drawItems(true);
    });
  }
  function filters() { return { article_id: state.article, rule: state.rule }; }
  function loadQueue(limit, cursor) {
    var ticket = ++state.ticket, queue = state.queue;
    var params = Object.assign({ state: queue, limit: limit, cursor: cursor }, filters());
    return call('GET', '/moderation/queue' + query(params)).then(function (res) {
      if (ticket !== state.ticket || queue !== state.queue) return null;
      if (res.status !== 200) { toast(problemText(res.body), 'error'); return null; }
      return res.body;
    });
  }
  function loadMore() {
    if (!state.next) return;
    loadQueue(PAGE, state.next).then(function (page) {
      if (!page) return;
      var known = {};
      state.items.forEach(function (i) { known[i.comment.id] = true; });
      state.items = state.items.concat(page.items.filter(function (i) { return !known[i.comment.id]; }));
      state.next = page.next_cursor;
      drawItems(false);
    });
  }
  // Reads the open queue again from its start, keeping the selection on the
  // same comment (or the same place if it left): what live events call.
  function refreshQueue() {
    if (state.queue === 'log' || !state.me) return Promise.resolve();
    var selectedId = state.items[state.selected] && state.items[state.selected].comment.id;
    return loadQueue(Math.min(PAGE, Math.max(state.items.length + 10, 20)), null).then(function (page) {
      if (!page) return;
      var index = -1;
      page.items.forEach(function (item, i) { if (item.comment.id === selectedId) index = i; });
      state.items = page.items;
      state.next = page.next_cursor;
      if (index >= 0) state.selected = index;
      drawItems(false);
    });
  }
  function refreshCounts() {
    call('GET', '/moderation/counts' + query(filters())).then(function (res) {
      if (res.status !== 200) return;
      state.counts = res.body;
      Array.prototype.forEach.call(ui.tabs.querySelectorAll('[data-desk=count]'), function (span) {
        var n = res.body[span.getAttribute('data-queue')];
        span.textContent = typeof n === 'number' ? String(n) : '';
      });
    });
  }
  // Live events and conflicts come in bursts: one refresh per burst.
  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(function () { refreshCounts(); refreshQueue(); }, 120);
  }

  /* ---- Drawing items ---- */
  // Cards are kept per comment and redrawn only when the item changed, so
  // focus and scroll stay where the moderator is.
  function drawItems(focus) {
    var hadFocus = focus || ui.list.contains(document.activeElement) || document.activeElement === document.body;
    var old = {};
    Array.prototype.forEach.call(ui.list.children, function (li) { old[li.getAttribute('data-id')] = li; });
    state.items.forEach(function (item, i) {
      var key = JSON.stringify(item), existing = old[item.comment.id];
      delete old[item.comment.id];
      var li = existing && existing.getAttribute('data-key') === key ? existing : drawItem(item, key);
      if (existing && existing !== li) existing.remove();
      if (ui.list.children[i] !== li) ui.list.insertBefore(li, ui.list.children[i] || null);
    });
    Object.keys(old).forEach(function (id) { old[id].remove(); });
    ui.empty.hidden = state.items.length > 0;
    ui.more.hidden = !state.next;
    root.setAttribute('data-ready', 'true');
    select(Math.min(state.selected, state.items.length - 1), hadFocus && !state.drawer && !ui.dialog.open);
  }
  function select(index, focus) {
    state.selected = Math.max(0, index);
    state.rejecting = false;
    Array.prototype.forEach.call(ui.list.children, function (li, i) {
      li.setAttribute('aria-selected', i === state.selected ? 'true' : 'false');
      li.classList.toggle('rejecting', false);
    });
    var li = ui.list.children[state.selected];
    if (li && focus) { li.focus({ preventScroll: true }); li.scrollIntoView({ block: 'nearest' }); }
    if (!li && focus) ui.empty.focus();
  }
  function drawItem(item, key) {
    var c = item.comment;
    var li = el('li', { class: 'item', 'data-desk': 'item', 'data-id': c.id, 'data-key': key, 'data-status': c.status, tabindex: '-1',
      'aria-selected': 'false', onclick: function (event) {
        var i = state.items.indexOf(itemOf(c.id));
        if (i >= 0 && i !== state.selected) select(i, !event.target.closest('button, a, input, select, textarea'));
      } });
    var article = item.article || { id: c.article_id, title: c.article_id, url: '' };
    li.appendChild(el('p', { class: 'context' },
      article.url ? el('a', { href: article.url, target: '_blank', rel: 'noopener noreferrer', 'data-desk': 'editorial', text: article.title })
        : el('span', { 'data-desk': 'editorial', text: article.title }),
      el('span', { class: 'meta', text: ' · ' + when(c.created_at) + ' · ' + (T.status[c.status] || c.status) + reactionsText(item.reactions) })));
    if (item.parent) {
      li.appendChild(el('blockquote', { class: 'parent', 'data-desk': 'parent' },
        el('span', { class: 'label', text: T.replyTo + ' · ' }), name(item.parent.author.display_name || T.anonymousNote),
        el('span', { class: 'text', dir: 'auto', text: item.parent.body })));
    }
    li.appendChild(highlighted(c.body, item.reasons || []));
    if (item.reasons && item.reasons.length) {
      li.appendChild(el('ul', { class: 'reasons', 'data-desk': 'reasons' }, item.reasons.map(function (r) {
        return el('li', { 'data-rule': r.rule }, el('strong', { text: ruleTitle(r.rule) }), ' ' + r.message);
      })));
    }
    if (item.reports && item.reports.length) li.appendChild(drawReports(item.reports));
    li.appendChild(drawAuthor(item.author));
    li.appendChild(drawActions(item));
    return li;
  }
  // Wraps the spans the rules fired on in <mark>; offsets count code points.
  function highlighted(body, reasons) {
    var chars = Array.from(body), marks = new Array(chars.length);
    reasons.forEach(function (r) {
      if (r.end <= r.start) return;
      for (var i = r.start; i < Math.min(r.end, chars.length); i++) if (!marks[i]) marks[i] = r.rule;
    });
    var p = el('p', { class: 'body', dir: 'auto', 'data-desk': 'body' });
    var i = 0;
    while (i < chars.length) {
      var j = i;
      while (j < chars.length && marks[j] === marks[i]) j++;
      var text = chars.slice(i, j).join('');
      p.appendChild(marks[i] ? el('mark', { 'data-rule': marks[i], title: ruleTitle(marks[i]), text: text }) : document.createTextNode(text));
      i = j;
    }
    return p;
  }
  function drawReports(reports) {
    var byReason = {};
    reports.forEach(function (r) { byReason[r.reason] = (byReason[r.reason] || 0) + 1; });
    var box = el('div', { class: 'reports', 'data-desk': 'reports' },
      el('p', { class: 'label' }, T.reports + ' ' + reports.length + ': ' + Object.keys(byReason).map(function (k) {
        return (T.reasons[k] || k) + ' ×' + byReason[k];
      }).join(', ')));
    var notes = reports.filter(function (r) { return r.note; });
    if (notes.length) {
      box.appendChild(el('ul', { class: 'notes', 'aria-label': T.notes }, notes.map(function (r) {
        return el('li', null, name(r.reporter.display_name), ': ', el('span', { dir: 'auto', text: r.note }));
      })));
    }
    return box;
  }
  // 공감/비공감, and how many came from accounts under a day old: a push by new accounts.
  function reactionsText(r) {
    if (!r || r.likes + r.dislikes === 0) return '';
    return ' · ' + T.reactions(r.likes, r.dislikes, r.from_new_accounts);
  }
  function providerNames(list) {
    return (list || []).map(function (p) { return T.providers[p] || p; }).join(', ');
  }
  function drawAuthor(a) {
    var facts = [T.published + ' ' + a.published_count, T.rejectedCount + ' ' + a.rejected_count];
    if (a.created_at) facts.push(T.days(Math.floor((Date.now() - new Date(a.created_at)) / 86400000)));
    if (a.providers && a.providers.length) facts.push(providerNames(a.providers));
    return el('div', { class: 'author', 'data-desk': 'author-record' },
      el('button', { type: 'button', class: 'link', 'data-desk': 'author', onclick: function () { openDrawer(a.id); } }, name(a.display_name)),
      el('span', { class: 'facts', text: ' · ' + facts.join(' · ') }),
      a.sanction ? el('span', { class: 'chip', 'data-desk': 'sanction', 'data-kind': a.sanction.kind,
        text: T.sanction[a.sanction.kind] + (a.sanction.until ? ' (' + when(a.sanction.until) + ' ' + T.until + ')' : '') }) : null);
  }
  function drawActions(item) {
    var id = item.comment.id;
    function button(label, keyName, act) {
      return el('button', { type: 'button', 'data-desk': 'action', 'data-action': label, 'aria-keyshortcuts': keyName, onclick: function () {
        var i = state.items.indexOf(itemOf(id));
        if (i < 0) return;
        select(i, true);
        act();
      } }, T[label === 'delete' ? 'del' : label], el('kbd', { text: keyName }));
    }
    var reasons = el('div', { class: 'reject-reasons', 'data-desk': 'reject-reasons', role: 'group', 'aria-label': T.rejectWhy },
      el('span', { text: T.rejectWhy }),
      REASONS.map(function (code, n) {
        return el('button', { type: 'button', 'data-desk': 'reject-reason', 'data-reason': code, onclick: function () { decide('reject', code); } },
          T.reasons[code], el('kbd', { text: String(n + 1) }));
      }));
    return el('div', { class: 'actions' },
      button('approve', 'a', function () { decide('approve'); }),
      button('reject', 'r', startReject),
      button('delete', 'd', function () { decide('delete'); }),
      button('suspend', 's', function () { sanctionDialog('suspend'); }),
      button('ban', 'b', function () { sanctionDialog('ban'); }),
      reasons);
  }
  function itemOf(id) { return state.items.filter(function (i) { return i.comment.id === id; })[0]; }
  function selectedItem() { return state.items[state.selected]; }
  function selectedCard() { return ui.list.children[state.selected]; }

  /* ---- Decisions ---- */
  function startReject() {
    var li = selectedCard();
    if (!li) return;
    state.rejecting = true;
    li.classList.add('rejecting');
    li.querySelector('[data-desk=reject-reason]').focus({ preventScroll: true });
  }
  // The item leaves at once and the next takes the focus; the answer comes
  // after. A refusal puts the queue back as the server has it.
  function decide(action, reason) {
    var item = selectedItem();
    if (!item) return;
    state.rejecting = false;
    var body = { action: action, version: item.comment.version };
    if (reason) body.reason = reason;
    removeItem(item.comment.id);
    var answered = call('POST', '/moderation/comments/' + encodeURIComponent(item.comment.id) + '/decision', body).then(function (res) {
      if (res.status === 200) {
        toast(T.done[action], 'done', { label: T.undoButton, key: 'u', run: undo });
        refreshCounts();
        return true;
      }
      if (res.status === 409 && res.body && res.body.comment) {
        var by = res.body.decided_by && res.body.decided_by.display_name;
        toast(T.firstBy(by, T.status[res.body.comment.status] || res.body.comment.status), 'conflict');
      } else {
        toast(problemText(res.body), 'error');
      }
      scheduleRefresh();
      return false;
    }, function () { toast(T.failed, 'error'); scheduleRefresh(); return false; });
    // u may come before the answer: the undo waits for it.
    state.undo = { id: item.comment.id, until: Date.now() + UNDO_MS, answered: answered };
  }
  // The item leaves; the next one takes its place and the focus.
  function removeItem(id) {
    var i = state.items.indexOf(itemOf(id));
    if (i < 0) return;
    var hadFocus = ui.list.contains(document.activeElement) || document.activeElement === document.body;
    state.items.splice(i, 1);
    var li = ui.list.querySelector('[data-id="' + id + '"]');
    if (li) li.remove();
    if (i < state.selected) state.selected--;
    ui.empty.hidden = state.items.length > 0;
    select(Math.min(state.selected, state.items.length - 1), hadFocus);
  }
  function undo() {
    var last = state.undo;
    if (!last || Date.now() > last.until) { toast(T.nothingToUndo, 'error'); return; }
    state.undo = null;
    last.answered.then(function (decided) {
      if (!decided) { toast(T.nothingToUndo, 'error'); return null; }
      return call('POST', '/moderation/comments/' + encodeURIComponent(last.id) + '/undo');
    }).then(function (res) {
      if (!res) return;
      if (res.status !== 200) { toast(problemText(res.body), 'error'); return; }
      toast(T.undone, 'done');
      refreshCounts();
      loadQueue(Math.min(PAGE, state.items.length + 10), null).then(function (page) {
        if (!page) return;
        state.items = page.items;
        state.next = page.next_cursor;
        var back = state.items.indexOf(itemOf(last.id));
        if (back >= 0) state.selected = back;
        drawItems(true);
      });
    });
  }

  /* ---- Sanctions ---- */
  function sanctionDialog(kind, userId, after) {
    var item = selectedItem();
    var target = userId || (item && item.author.id);
    if (!target) return;
    var reason = el('input', { id: 'desk-reason', type: 'text', maxlength: '500', required: true, 'data-desk': 'sanction-reason', value: T.defaultReason });
    var days = el('select', { id: 'desk-days', 'data-desk': 'sanction-days' }, T.durations.map(function (d) { return el('option', { value: String(d[0]), text: d[1] }); }));
    var rejectPending = el('input', { id: 'desk-reject-pending', type: 'checkbox', checked: true, 'data-desk': 'reject-pending' });
    var error = el('p', { class: 'error', role: 'alert', 'data-desk': 'dialog-error' });
    var form = el('form', { method: 'dialog', 'data-desk': 'sanction-form', 'data-kind': kind, onsubmit: function (event) {
      event.preventDefault();
      var body = { kind: kind, reason: reason.value };
      if (kind === 'suspend') body.until = new Date(Date.now() + Number(days.value) * 86400000).toISOString();
      else body.reject_pending = rejectPending.checked;
      call('POST', '/moderation/users/' + encodeURIComponent(target) + '/sanctions', body).then(function (res) {
        if (res.status !== 201) { error.textContent = problemText(res.body); return; }
        closeDialog();
        toast(T.sanctioned, 'done');
        scheduleRefresh();
        if (after) after();
      }, function () { error.textContent = T.failed; });
    } },
      el('h2', { text: kind === 'suspend' ? T.suspendTitle : T.banTitle }),
      kind === 'suspend' ? el('label', { for: 'desk-days' }, T.duration, days) : el('label', { class: 'check', for: 'desk-reject-pending' }, rejectPending, T.rejectPending),
      el('label', { for: 'desk-reason' }, T.reason, reason),
      error,
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: 'primary', 'data-desk': 'sanction-confirm', text: T.confirm }),
        el('button', { type: 'button', 'data-desk': 'dialog-cancel', onclick: closeDialog, text: T.cancel })));
    openDialog(form, kind === 'suspend' ? days : reason);
  }
  function openDialog(content, focus) {
    clear(ui.dialog).appendChild(content);
    ui.dialog.showModal();
    focus.focus();
  }
  function closeDialog() {
    if (ui.dialog.open) ui.dialog.close();
  }
  function showHelp() {
    var close = el('button', { type: 'button', 'data-desk': 'dialog-cancel', onclick: closeDialog, text: T.close });
    openDialog(el('div', { 'data-desk': 'help-text' },
      el('h2', { text: T.help }),
      el('dl', { class: 'keys' }, T.keys.map(function (k) {
        return [el('dt', null, el('kbd', { text: k[0] })), el('dd', { text: k[1] })];
      })),
      close), close);
  }

  /* ---- The author drawer ---- */
  function openDrawer(userId) {
    state.drawer = { id: userId, next: null };
    clear(ui.drawer).hidden = false;
    root.classList.add('with-drawer');
    var close = el('button', { type: 'button', class: 'close', 'data-desk': 'drawer-close', onclick: closeDrawer, text: T.close });
    ui.drawer.appendChild(el('div', { class: 'drawer-head' }, el('h2', { text: T.drawer }), close));
    var profile = el('section', { 'data-desk': 'drawer-profile' });
    var comments = el('ol', { class: 'history', 'data-desk': 'drawer-comments' });
    var more = el('button', { type: 'button', class: 'more', hidden: true, 'data-desk': 'drawer-more', text: T.more, onclick: function () { loadHistory(userId, comments, more); } });
    var log = el('ol', { class: 'log', 'data-desk': 'drawer-log' });
    ui.drawer.appendChild(profile);
    ui.drawer.appendChild(el('h3', { text: T.history }));
    ui.drawer.appendChild(comments);
    ui.drawer.appendChild(more);
    ui.drawer.appendChild(el('h3', { text: T.logOf }));
    ui.drawer.appendChild(log);
    close.focus();
    loadProfile(userId, profile);
    loadHistory(userId, comments, more);
    call('GET', '/moderation/log' + query({ user_id: userId, limit: 20 })).then(function (res) {
      if (res.status === 200) res.body.entries.forEach(function (e) { log.appendChild(logLine(e)); });
    });
  }
  function closeDrawer() {
    state.drawer = null;
    ui.drawer.hidden = true;
    root.classList.remove('with-drawer');
    select(state.selected, true);
  }
  function loadProfile(userId, box) {
    call('GET', '/moderation/users/' + encodeURIComponent(userId)).then(function (res) {
      if (!state.drawer || state.drawer.id !== userId) return;
      clear(box);
      if (res.status !== 200) { box.appendChild(el('p', { class: 'error', text: problemText(res.body) })); return; }
      var u = res.body.user, r = res.body.record;
      box.appendChild(el('p', { class: 'who' }, name(u.display_name), ' · ' + u.role));
      box.appendChild(el('p', { class: 'facts', 'data-desk': 'drawer-facts', text: [T.published + ' ' + r.published_count, T.rejectedCount + ' ' + r.rejected_count,
        T.queues.pending + ' ' + r.pending_count, T.joined + ' ' + when(u.created_at), providerNames(u.providers)].join(' · ') }));
      box.appendChild(el('div', { class: 'row' },
        el('button', { type: 'button', 'data-desk': 'drawer-suspend', text: T.suspend, onclick: function () { sanctionDialog('suspend', userId, function () { loadProfile(userId, box); }); } }),
        el('button', { type: 'button', 'data-desk': 'drawer-ban', text: T.ban, onclick: function () { sanctionDialog('ban', userId, function () { loadProfile(userId, box); }); } })));
      box.appendChild(el('h3', { text: T.sanctions }));
      var list = el('ul', { class: 'sanctions', 'data-desk': 'drawer-sanctions' });
      if (!res.body.sanctions.length) list.appendChild(el('li', { text: T.none }));
      res.body.sanctions.forEach(function (s) {
        list.appendChild(el('li', { 'data-kind': s.kind, 'data-active': s.active ? 'true' : 'false' },
          (T.sanction[s.kind] || s.kind) + ' · ' + when(s.created_at) + (s.until ? ' – ' + when(s.until) : '') + ' · ',
          el('span', { dir: 'auto', text: s.reason }),
          s.active ? el('button', { type: 'button', 'data-desk': 'lift', text: T.lift, onclick: function () {
            call('DELETE', '/moderation/users/' + encodeURIComponent(userId) + '/sanctions').then(function (lifted) {
              if (lifted.status === 204) { toast(T.lifted, 'done'); loadProfile(userId, box); scheduleRefresh(); } else toast(problemText(lifted.body), 'error');
            });
          } }) : null));
      });
      box.appendChild(list);
      var note = el('textarea', { id: 'desk-note', rows: '3', maxlength: '500', 'data-desk': 'note' });
      note.value = res.body.note ? res.body.note.text : '';
      box.appendChild(el('label', { for: 'desk-note' }, T.note, note));
      box.appendChild(el('button', { type: 'button', 'data-desk': 'note-save', text: T.saveNote, onclick: function () {
        call('PUT', '/moderation/users/' + encodeURIComponent(userId) + '/note', { note: note.value }).then(function (saved) {
          toast(saved.status === 200 ? T.noteSaved : problemText(saved.body), saved.status === 200 ? 'done' : 'error');
        });
      } }));
    });
  }
  function loadHistory(userId, list, more) {
    var cursor = state.drawer && state.drawer.next;
    call('GET', '/moderation/users/' + encodeURIComponent(userId) + '/comments' + query({ limit: 20, cursor: cursor })).then(function (res) {
      if (!state.drawer || state.drawer.id !== userId || res.status !== 200) return;
      res.body.items.forEach(function (entry) {
        var c = entry.comment;
        list.appendChild(el('li', { 'data-status': c.status, 'data-id': c.id },
          el('p', { class: 'meta', text: (entry.article ? entry.article.title : c.article_id) + ' · ' + when(c.created_at) + ' · ' + (T.status[c.status] || c.status) }),
          el('p', { class: 'body', dir: 'auto', text: c.body })));
      });
      state.drawer.next = res.body.next_cursor;
      more.hidden = !res.body.next_cursor;
    });
  }
  function logLine(e) {
    return el('li', { 'data-desk': 'log-entry', 'data-action': e.action },
      el('span', { class: 'meta', text: when(e.at) + ' · ' }),
      e.moderator ? name(e.moderator.display_name) : '—',
      ' · ' + e.action + ' · ' + e.target.type + ' ' + e.target.id,
      e.reason ? ' · ' + (T.reasons[e.reason] || e.reason) : '',
      e.note ? el('span', { class: 'note', dir: 'auto', text: ' · ' + e.note }) : null);
  }

  /* ---- The log ---- */
  function loadLog(cursor) {
    call('GET', '/moderation/log' + query({ limit: 50, cursor: cursor })).then(function (res) {
      if (state.queue !== 'log' || res.status !== 200) return;
      res.body.entries.forEach(function (e) { ui.list.appendChild(el('li', { class: 'item log' }, logLine(e))); });
      ui.empty.hidden = ui.list.children.length > 0;
      ui.more.hidden = !res.body.next_cursor;
      ui.more.onclick = function () { loadLog(res.body.next_cursor); };
      root.setAttribute('data-ready', 'true');
    });
  }

  /* ---- Live events ---- */
  // EventSource reconnects by itself and sends Last-Event-ID; after a break
  // the queue is read again anyway, since the kept window may have moved on.
  function connectEvents() {
    if (!window.EventSource) return;
    var source = new EventSource(API + '/moderation/events');
    state.events = source;
    var broken = false;
    source.onopen = function () {
      ui.live.setAttribute('data-state', 'open');
      ui.live.textContent = T.live.open;
      if (broken) { broken = false; scheduleRefresh(); }
    };
    source.onerror = function () {
      broken = true;
      ui.live.setAttribute('data-state', 'connecting');
      ui.live.textContent = T.live.connecting;
      if (source.readyState === EventSource.CLOSED && state.me) {
        // Refused: a read says whether the session ended elsewhere (a 401 signs out).
        scheduleRefresh();
        setTimeout(function () { if (state.events === source) connectEvents(); }, 3000);
      }
    };
    ['queued', 'reported', 'sanctioned'].forEach(function (kind) { source.addEventListener(kind, scheduleRefresh); });
    source.addEventListener('decided', function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { data = {}; }
      if (data.comment_id && itemOf(data.comment_id) && !stays(data.state)) removeItem(data.comment_id);
      scheduleRefresh();
    });
  }
  // Whether a comment now in `status` still belongs to the open queue.
  function stays(status) {
    return (state.queue === 'rejected' && status === 'rejected') || (state.queue === 'featured' && status === 'published');
  }

  /* ---- Keys ---- */
  function onKey(event) {
    if (!state.me || root.getAttribute('data-view') !== 'desk') return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Escape') {
      if (state.rejecting) { event.preventDefault(); select(state.selected, true); return; }
      if (state.drawer && !ui.dialog.open) { event.preventDefault(); closeDrawer(); }
      return;
    }
    if (ui.dialog.open) return;
    var target = event.target;
    if (target && (target.closest('input, textarea, select') || target.isContentEditable)) return;
    if (state.rejecting) {
      var n = Number(event.key);
      if (n >= 1 && n <= REASONS.length) { event.preventDefault(); decide('reject', REASONS[n - 1]); }
      return;
    }
    var act = {
      j: function () { select(Math.min(state.selected + 1, state.items.length - 1), true); },
      k: function () { select(state.selected - 1, true); },
      a: function () { decide('approve'); },
      r: startReject,
      d: function () { decide('delete'); },
      s: function () { sanctionDialog('suspend'); },
      b: function () { sanctionDialog('ban'); },
      o: function () { var item = selectedItem(); if (item) openDrawer(item.author.id); },
      u: undo,
      '?': showHelp
    }[event.key];
    if (!act || (state.queue === 'log' && event.key !== '?')) return;
    event.preventDefault();
    act();
  }
  document.addEventListener('keydown', onKey);
  start();
})();
