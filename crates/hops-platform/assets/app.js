/* hops — progressive enhancement for the staff console and patient H5 pages.
 * Every page must work without this file; the server validates authoritatively.
 * No dependencies, no build step. Reference: docs/ui.md
 *
 * Load it with <script src="/assets/app.js" defer> in <head>. It adds `html.js` and wires
 * everything up once the DOM is ready (CSS uses the `scripting` media feature, so nothing
 * flashes). All handlers are delegated on `document`, so HTML swapped in later (e.g. by
 * [data-poll]) is covered too.
 */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;
  root.classList.add("js");

  function closest(el, sel) {
    return el && el.nodeType === 1 ? el.closest(sel) : null;
  }

  /* ------------------------------------------------ announcer (screen readers) */
  var liveRegion = null;
  function announce(text) {
    if (!doc.body) return;
    if (!liveRegion) {
      liveRegion = doc.createElement("div");
      liveRegion.className = "sr-only";
      liveRegion.setAttribute("role", "status");
      liveRegion.setAttribute("aria-live", "polite");
      doc.body.appendChild(liveRegion);
    }
    liveRegion.textContent = "";
    setTimeout(function () { liveRegion.textContent = text; }, 30);
  }

  /* --------------------------------------------------------------- nav toggle */
  function setNav(open) {
    doc.body.classList.toggle("nav-open", open);
    var toggles = doc.querySelectorAll(".nav-toggle");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute("aria-expanded", open ? "true" : "false");
    }
    if (open) {
      var first = doc.querySelector(".sidebar .nav-link.active") || doc.querySelector(".sidebar .nav-link");
      if (first) first.focus({ preventScroll: true });
    }
  }

  function initNav() {
    var toggles = doc.querySelectorAll(".nav-toggle");
    var sidebar = doc.querySelector(".sidebar");
    if (sidebar && !sidebar.id) sidebar.id = "sidebar";
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute("aria-expanded", "false");
      if (sidebar) toggles[i].setAttribute("aria-controls", sidebar.id);
      if (!toggles[i].getAttribute("aria-label") && !toggles[i].textContent.trim()) {
        toggles[i].setAttribute("aria-label", "菜单");
      }
    }
  }

  doc.addEventListener("click", function (e) {
    var toggle = closest(e.target, ".nav-toggle");
    if (toggle) {
      e.preventDefault();
      setNav(!doc.body.classList.contains("nav-open"));
      return;
    }
    if (doc.body.classList.contains("nav-open")) {
      // tap on the backdrop (outside the sidebar) or on a nav link closes the drawer
      if (!closest(e.target, ".sidebar") || closest(e.target, ".sidebar a[href]")) {
        setNav(false);
      }
    }
  });

  doc.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && doc.body.classList.contains("nav-open")) {
      setNav(false);
      var t = doc.querySelector(".nav-toggle");
      if (t) t.focus();
    }
  });

  /* ---------------------------------------------------------- data-confirm */
  // A confirmed form says so (`_confirmed=1`): the server shows its own confirmation step to a
  // form that arrives without it (no script, or the script blocked) — web/confirm.rs.
  function markConfirmed(form) {
    if (form.querySelector("input[name='_confirmed']")) return;
    var i = doc.createElement("input");
    i.type = "hidden";
    i.name = "_confirmed";
    i.value = "1";
    form.appendChild(i);
  }
  // Clicks on links/buttons with data-confirm (capture phase, so it runs before anything else).
  doc.addEventListener("click", function (e) {
    var el = closest(e.target, "a[data-confirm], button[data-confirm], input[data-confirm]");
    if (!el || el.disabled) return;
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    } else if (el.form && (el.type === "submit" || el.type === "image")) {
      // already confirmed: do not ask again for the form's own data-confirm
      el.form._hopsConfirmed = true;
      markConfirmed(el.form);
    }
  }, true);

  doc.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-confirm")) return;
    var submitter = e.submitter;
    if (form._hopsConfirmed || (submitter && submitter.hasAttribute("data-confirm"))) {
      form._hopsConfirmed = false;
      return;
    }
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    } else {
      markConfirmed(form);
    }
  }, true);

  /* -------------------------------------------------------- live validation */
  // These mirror hops-kernel (src/idcard.rs, src/phone.rs): same rules, same zh-CN messages.
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var ID_CHECK = "10X98765432";
  // GB 11643 province codes (first two digits), as in hops-kernel regions::PROVINCES
  var PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
    45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82];

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // GB 11643-1999 citizen identity number. Returns null when valid, else a zh-CN message.
  function checkIdCard(raw) {
    var v = raw.trim();
    var len = Array.from(v).length;
    if (len !== 18) return "身份证号长度应为18位，实际为" + len + "位";
    v = v.slice(0, 17) + v.charAt(17).toUpperCase();
    if (!/^\d{17}[\dX]$/.test(v)) return "身份证号格式无效：前17位应为数字，最后一位应为数字或X";
    var region = +v.substr(0, 6);
    if (region % 10000 === 0 || PROVINCES.indexOf(Math.floor(region / 10000)) < 0) {
      return "身份证号地区码无效：" + v.substr(0, 6);
    }
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var text = v.substr(6, 4) + "-" + v.substr(10, 2) + "-" + v.substr(12, 2);
    var birth = new Date(Date.UTC(y, m - 1, d));
    if (birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) {
      return "身份证号出生日期无效：" + text + "不是有效日期";
    }
    var now = new Date();
    var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    if (y < 1900 || text > today) {
      return "身份证号出生日期无效：" + text + "不在1900-01-01至今天之间";
    }
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (v.charCodeAt(i) - 48) * ID_WEIGHTS[i];
    if (ID_CHECK.charAt(sum % 11) !== v.charAt(17)) return "身份证号校验位错误，请核对号码";
    return null;
  }

  // Mainland mobile number: digits, a leading +, spaces (also full-width), hyphens and
  // parentheses; +86 / 0086 / 86 prefixes are removed.
  function checkPhone(raw) {
    var t = raw.trim();
    var digits = "";
    var international = false;
    for (var i = 0; i < t.length; i++) {
      var c = t.charAt(i);
      if (c >= "0" && c <= "9") digits += c;
      else if (c === "+" && i === 0) international = true;
      else if (" \u3000-()".indexOf(c) < 0) return "手机号只能包含数字";
    }
    var national;
    if (international) {
      if (digits.indexOf("86") !== 0) return "仅支持中国大陆手机号（+86）";
      national = digits.slice(2);
    } else if (digits.indexOf("0086") === 0) {
      national = digits.slice(4);
    } else if (digits.indexOf("00") === 0) {
      return "仅支持中国大陆手机号（+86）";
    } else if (digits.length === 13 && digits.indexOf("86") === 0) {
      national = digits.slice(2);
    } else {
      national = digits;
    }
    if (national.length !== 11) return "手机号应为11位数字，实际为" + national.length + "位";
    if (!/^1[3-9]/.test(national)) return "手机号格式无效，应以13至19开头";
    return null;
  }

  var VALIDATORS = { idcard: checkIdCard, phone: checkPhone };
  var errSeq = 0;

  function describedBy(input, id, add) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids = ids.filter(function (x) { return x !== id; });
    if (add) ids.push(id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }

  function refreshFieldState(field, input) {
    var visible = field.querySelectorAll(".field-error:not([hidden])");
    field.classList.toggle("has-error", visible.length > 0);
    if (input) {
      if (visible.length) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  function setLiveError(input, message) {
    var field = closest(input, ".field");
    if (!field) return;
    var err = field.querySelector(".field-error[data-live]");
    if (message) {
      if (!err) {
        err = doc.createElement("p");
        err.className = "field-error";
        err.setAttribute("data-live", "");
        err.id = "field-error-live-" + (++errSeq);
        // place it right under the input (before .help if any)
        input.insertAdjacentElement("afterend", err);
      }
      err.textContent = message;
      describedBy(input, err.id, true);
      // the live message supersedes any server-rendered one for this field
      var server = field.querySelectorAll(".field-error:not([data-live])");
      for (var i = 0; i < server.length; i++) server[i].hidden = true;
    } else if (err) {
      describedBy(input, err.id, false);
      err.parentNode.removeChild(err);
    }
    refreshFieldState(field, input);
  }

  function validate(input) {
    var fn = VALIDATORS[input.getAttribute("data-validate")];
    if (!fn) return;
    var v = input.value.trim();
    setLiveError(input, v === "" ? null : fn(v));
  }

  doc.addEventListener("blur", function (e) {
    var input = closest(e.target, "[data-validate]");
    if (input && "value" in input) validate(input);
  }, true);

  doc.addEventListener("input", function (e) {
    var t = e.target;
    var field = closest(t, ".field");
    if (!field) return;
    // a server-rendered error goes stale once the user edits the value
    if (field.classList.contains("has-error")) {
      var stale = field.querySelectorAll(".field-error:not([data-live]):not([hidden])");
      for (var i = 0; i < stale.length; i++) stale[i].hidden = true;
      if (stale.length) refreshFieldState(field, t);
    }
    // once a live error is shown, re-check as the user types so it clears promptly
    if (t.hasAttribute && t.hasAttribute("data-validate") && field.querySelector(".field-error[data-live]")) {
      validate(t);
    }
  });

  /* ------------------------------------------------------ select autosubmit */
  doc.addEventListener("change", function (e) {
    var sel = closest(e.target, "select[data-autosubmit]");
    if (!sel || !sel.form) return;
    if (typeof sel.form.requestSubmit === "function") sel.form.requestSubmit();
    else sel.form.submit();
  });

  /* ----------------------------------------------------------------- polling */
  function startPoll(el) {
    if (el._hopsPoll) return;
    el._hopsPoll = true;
    var url = el.getAttribute("data-poll");
    var secs = parseFloat(el.getAttribute("data-interval"));
    if (!(secs >= 1)) secs = 5;
    var failures = 0;
    var timer = null;

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(tick, ms);
    }
    function stop() {
      clearTimeout(timer);
      el.removeAttribute("aria-busy");
    }
    function tick() {
      if (!el.isConnected) return stop();
      if (doc.hidden) return schedule(secs * 1000); // paused while the tab is hidden
      fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "X-Requested-With": "fetch", Accept: "text/html" }
      }).then(function (res) {
        // session gone: the server redirected us to the login page
        if (res.redirected && /login|signin/i.test(res.url)) { stop(); window.location.reload(); return; }
        if (res.status === 204 || res.status === 286) { stop(); return; }
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.text().then(function (html) {
          failures = 0;
          el.innerHTML = html;
          if (el.querySelector("[data-poll-done]")) stop();
          else schedule(secs * 1000);
        });
      }).catch(function () {
        failures++;
        // back off on errors (network blip, server restart), up to 60 s
        schedule(Math.min(60000, secs * 1000 * Math.pow(2, Math.min(failures, 4))));
      });
    }
    if (el.querySelector("[data-poll-done]")) return;
    el.setAttribute("aria-busy", "true");
    schedule(secs * 1000);
  }

  function initPolls() {
    var els = doc.querySelectorAll("[data-poll]");
    for (var i = 0; i < els.length; i++) startPoll(els[i]);
  }

  /* -------------------------------------------------------------------- copy */
  function copyFallback(text) {
    var ta = doc.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "sr-only";
    doc.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = doc.execCommand("copy"); } catch (err) { ok = false; }
    doc.body.removeChild(ta);
    return ok;
  }

  function copyText(text) {
    return new Promise(function (resolve, reject) {
      function fallback() { if (copyFallback(text)) resolve(); else reject(new Error("copy failed")); }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(resolve, fallback);
      } else {
        fallback();
      }
    });
  }

  doc.addEventListener("click", function (e) {
    var btn = closest(e.target, ".copy-btn[data-copy]");
    if (!btn) return;
    e.preventDefault();
    var plain = btn.children.length === 0; // only swap the label when it is plain text
    copyText(btn.getAttribute("data-copy")).then(function () {
      if (plain) {
        if (btn._hopsLabel == null) btn._hopsLabel = btn.textContent;
        btn.textContent = "已复制";
      }
      btn.classList.add("copied");
      announce("已复制到剪贴板");
      clearTimeout(btn._hopsTimer);
      btn._hopsTimer = setTimeout(function () {
        btn.classList.remove("copied");
        if (plain && btn._hopsLabel != null) btn.textContent = btn._hopsLabel;
      }, 1600);
    }, function () {
      // last resort: show the text pre-selected so the user can copy it by hand
      window.prompt("无法自动复制，请手动复制（Ctrl+C / ⌘C）：", btn.getAttribute("data-copy"));
    });
  });

  /* ------------------------------------------------------------ idle warning */
  // <body data-idle-timeout="1800" [data-keepalive="/url"]>
  // The server's idle clock restarts on every request, so we count from the last request
  // any tab of this site made (page loads, keep-alive pings). 60 s before expiry a small
  // non-modal notice appears; interacting with the page while it is shown (or pressing
  // 「继续使用」) sends one keep-alive request. With data-keepalive set, ordinary activity
  // also pings (throttled), so active users never see the notice. At expiry: reload.
  var IDLE_KEY = "hops:last-request";

  function initIdle() {
    var timeout = parseInt(doc.body.getAttribute("data-idle-timeout"), 10);
    if (!(timeout > 60)) return;
    var keepaliveUrl = doc.body.getAttribute("data-keepalive");
    var lastLocal = Date.now();
    var box = null;
    var countdown = null;
    var pinging = false;
    var lastPing = 0;

    function store(t) {
      try { localStorage.setItem(IDLE_KEY, String(t)); } catch (err) { /* private mode */ }
    }
    function lastRequest() {
      var shared = 0;
      try { shared = parseInt(localStorage.getItem(IDLE_KEY), 10) || 0; } catch (err) { shared = 0; }
      return Math.max(lastLocal, shared);
    }
    function touched(t) {
      lastLocal = t || Date.now();
      store(lastLocal);
      hide();
    }
    store(lastLocal);

    function remaining() {
      return Math.round((lastRequest() + timeout * 1000 - Date.now()) / 1000);
    }

    function show() {
      if (!box) {
        box = doc.createElement("div");
        box.className = "idle-warning";
        box.setAttribute("role", "alert");
        box.innerHTML =
          '<p><span class="sr-only">您已较长时间未操作，登录即将在一分钟内过期。</span>' +
          '<span aria-hidden="true">您已较长时间未操作，登录将在 <b class="num"></b> 秒后过期。</span></p>' +
          '<button type="button" class="btn btn-sm btn-primary">继续使用</button>';
        box.querySelector("button").addEventListener("click", function (e) {
          e.stopPropagation();
          ping(true);
        });
        doc.body.appendChild(box);
      }
      var s = Math.max(0, remaining());
      box.querySelector("b").textContent = String(s);
      if (!countdown) countdown = setInterval(check, 1000);
    }
    function hide() {
      if (box) { box.parentNode.removeChild(box); box = null; }
      if (countdown) { clearInterval(countdown); countdown = null; }
    }

    function ping(force) {
      var now = Date.now();
      if (pinging) return;
      if (!force && now - lastPing < Math.max(60, timeout / 10) * 1000) return;
      pinging = true;
      lastPing = now;
      var url = keepaliveUrl || window.location.href;
      fetch(url, {
        method: keepaliveUrl ? "GET" : "HEAD",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (res) {
        pinging = false;
        if (res.redirected && /login|signin/i.test(res.url)) { window.location.reload(); return; }
        if (res.ok || res.status === 204) touched(now);
      }).catch(function () { pinging = false; });
    }

    function check() {
      var left = remaining();
      if (left <= 0) {
        hide();
        window.location.reload(); // the server redirects to the login page
        return;
      }
      if (left <= 60) show();
      else hide();
    }

    function onActivity() {
      if (box) ping(true);
      else if (keepaliveUrl) ping(false);
    }

    ["pointerdown", "keydown", "wheel", "touchstart"].forEach(function (ev) {
      doc.addEventListener(ev, onActivity, { passive: true, capture: true });
    });
    window.addEventListener("storage", function (e) {
      if (e.key === IDLE_KEY) check(); // another tab talked to the server
    });
    setInterval(check, 5000);
    doc.addEventListener("visibilitychange", function () { if (!doc.hidden) check(); });
  }

  /* ------------------------------------------------------------ live forms */
  // <form data-live="URL" data-live-target="ID">: on every change the form's fields are posted
  // (urlencoded) to URL and the element ID is replaced by the answer (an HTML fragment). The
  // form still works without script.
  function initLive() {
    doc.querySelectorAll("form[data-live]").forEach(function (form) {
      var seq = 0;
      form.addEventListener("change", function () {
        var mine = ++seq;
        var body = new URLSearchParams(new FormData(form)).toString();
        fetch(form.getAttribute("data-live"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: body,
        })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            var target = doc.getElementById(form.getAttribute("data-live-target"));
            if (html !== null && target && mine === seq) target.outerHTML = html;
          })
          .catch(function () {});
      });
    });
  }

  /* ---------------------------------------------------- keyboard work lists */
  // Tables whose rows carry data-href (the agent's ticket queue): j/k move, Enter opens;
  // "/" focuses the page's search box; "n" follows the element with data-key-new.
  // Keys typed into fields are left alone.
  function initKeys() {
    var rows = doc.querySelectorAll("tr[data-href]");
    var search = doc.querySelector("input[type=search]");
    var fresh = doc.querySelector("[data-key-new]");
    if (!rows.length && !search && !fresh) return;
    var at = -1;
    function select(i) {
      if (!rows.length) return;
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, j) { r.classList.toggle("selected", j === at); });
      rows[at].focus();
    }
    doc.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
      if (e.key === "/" && search) { e.preventDefault(); search.focus(); }
      else if (e.key === "j") select(at + 1);
      else if (e.key === "k") select(at - 1);
      else if (e.key === "Enter" && at >= 0 && rows[at]) window.location.href = rows[at].getAttribute("data-href");
      else if (e.key === "n" && fresh) window.location.href = fresh.getAttribute("href");
    });
  }

  /* ----------------------------------------------------------- canned replies */
  // A <select data-insert-into="id"> puts the chosen option's data-text into that textarea.
  function initInsert() {
    doc.querySelectorAll("select[data-insert-into]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var opt = sel.options[sel.selectedIndex];
        var box = doc.getElementById(sel.getAttribute("data-insert-into"));
        if (!opt || !box || !opt.getAttribute("data-text")) return;
        box.value = (box.value ? box.value + "\n" : "") + opt.getAttribute("data-text");
        box.focus();
        sel.selectedIndex = 0;
      });
    });
  }

  /* -------------------------------------------------- questionnaire conditions */
  // Questions and sections of the forms renderer carry data-show-if: any of the groups, each
  // all of its clauses {q: input name, op, v}. Those whose condition does not hold on the
  // answers above are hidden and their inputs disabled (so nothing hidden is sent); the server
  // applies the same rule (hops_platform::forms::model::check_answers).
  function formValues(form, name) {
    var out = [];
    var els = form.querySelectorAll("[name]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.name !== name || el.disabled) continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      if (el.value.trim() !== "") out.push(el.value.trim());
    }
    return out;
  }

  function clauseHolds(form, c) {
    var vals = formValues(form, c.q);
    if (c.op === "已填") return vals.length > 0;
    if (c.op === "=") return vals.indexOf(c.v) >= 0;
    if (c.op === "!=") return vals.indexOf(c.v) < 0;
    if (!vals.length) return false;
    var a = parseFloat(vals[0]), b = parseFloat(c.v);
    var cmp = (!isNaN(a) && !isNaN(b) && /^-?[\d.]+$/.test(vals[0])) ? a - b : (vals[0] < c.v ? -1 : vals[0] > c.v ? 1 : 0);
    if (c.op === ">") return cmp > 0;
    if (c.op === ">=") return cmp >= 0;
    if (c.op === "<") return cmp < 0;
    return cmp <= 0;
  }

  function applyConditions(form) {
    // In document order, so a hidden question's answer no longer counts further down.
    var els = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i], any;
      try { any = JSON.parse(el.getAttribute("data-show-if")); } catch (e) { continue; }
      var show = any.some(function (group) { return group.every(function (c) { return clauseHolds(form, c); }); });
      el.hidden = !show;
      var inputs = el.querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) inputs[j].disabled = !show;
      var notes = el.querySelectorAll(".form-when");
      for (var k = 0; k < notes.length; k++) notes[k].hidden = true;
    }
  }

  function initConditions() {
    var forms = [];
    doc.querySelectorAll("[data-show-if]").forEach(function (el) {
      var form = el.closest("form");
      if (form && forms.indexOf(form) < 0) forms.push(form);
    });
    forms.forEach(function (form) {
      applyConditions(form);
      form.addEventListener("change", function () { applyConditions(form); });
      form.addEventListener("input", function () { applyConditions(form); });
    });
  }

  /* -------------------------------------------------------------------- init */
  function init() {
    initNav();
    initPolls();
    initIdle();
    initLive();
    initKeys();
    initInsert();
    initConditions();
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", init);
  else init();
})();
