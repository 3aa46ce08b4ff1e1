// Focal Lab walkthrough script. It draws the chart options the server embedded and lets
// the reader drag the point of section 2. It keeps the address bar and every section link
// equal to what is on screen, refetches from /api/learn the sections that a control
// affects, and runs the prediction questions. Every number it shows comes from the server.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('walk-config').textContent);
  var text = config.text;
  var params = new URLSearchParams(config.query);
  var charts = {};
  var state = { updates: 0, failures: 0, inFlight: 0 };
  // Link parameters that only the walkthrough reads; links to the main page drop them.
  var walkOnly = config.walkOnly;
  // Every parameter's default, which links leave out.
  var defaults = config.defaults;
  // Sections that each control changes. α and γ change every computed section; the
  // sweep of section 7 is fetched on its own because it can take a second.
  var partsOf = {
    pt: ['2'], n_easy: ['3'], pt_easy: ['3'], k_hard: ['3'], pt_hard: ['3'],
    thr: ['8'], inv: ['10'],
    alpha: ['3', '4', '5', '6', '8', '9', '10', '11'], gamma: ['3', '4', '5', '6', '8', '9', '10', '11']
  };

  function byId(id) { return document.getElementById(id); }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }

  // ---- charts ----

  function initChart(node, option) {
    var chart = echarts.init(node, null, { renderer: 'canvas', locale: config.lang === 'en' ? 'EN' : 'ZH' });
    chart.setOption(option);
    charts[node.id] = chart;
    return chart;
  }

  function initCharts() {
    var nodes = document.querySelectorAll('.chart-canvas[data-option]');
    for (var i = 0; i < nodes.length; i++) {
      var option = JSON.parse(byId(nodes[i].getAttribute('data-option')).textContent);
      initChart(nodes[i], option);
    }
    window.addEventListener('resize', function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
  }

  // ---- links and the address bar ----

  function queryWith(overrides, drop) {
    var q = new URLSearchParams(params);
    Object.keys(overrides).forEach(function (k) { q.set(k, overrides[k]); });
    (drop || []).forEach(function (k) { q.delete(k); });
    Object.keys(defaults).forEach(function (k) { if (q.get(k) === defaults[k]) { q.delete(k); } });
    return q.toString().replace(/%3A/g, ':').replace(/%2C/g, ',');
  }

  function sectionHref(n) {
    var q = queryWith({ sec: String(n) });
    return '/learn' + (q ? '?' + q : '') + '#s' + n;
  }

  function writeLinks() {
    var links = document.querySelectorAll('a[data-sec]');
    for (var i = 0; i < links.length; i++) {
      links[i].setAttribute('href', sectionHref(links[i].getAttribute('data-sec')));
    }
    // A preset card keeps the reader's settings but starts its own run from step 0.
    var cards = document.querySelectorAll('a[data-card]');
    for (var j = 0; j < cards.length; j++) {
      var preset = { ratio: cards[j].getAttribute('data-ratio'), n: cards[j].getAttribute('data-n') };
      if (cards[j].getAttribute('data-card') === 'learn') {
        preset.sec = '1';
        var learn = queryWith(preset, ['step', 'ch']);
        cards[j].setAttribute('href', '/learn' + (learn ? '?' + learn : '') + '#s1');
      } else {
        var onMain = queryWith(preset, walkOnly.concat(['step', 'ch']));
        cards[j].setAttribute('href', '/' + (onMain ? '?' + onMain : ''));
      }
    }
    var main = queryWith({}, walkOnly);
    byId('main-link').setAttribute('href', '/' + (main ? '?' + main : ''));
    var other = queryWith({ lang: config.lang === 'en' ? 'zh-CN' : 'en' });
    byId('lang-switch').setAttribute('href', '/learn?' + other + '#s' + (params.get('sec') || '1'));
  }

  function writeAddress() {
    var sec = params.get('sec') || '1';
    var q = queryWith({});
    history.replaceState(null, '', '/learn' + (q ? '?' + q : '') + '#s' + sec);
    writeLinks();
  }

  // The section most in view becomes the link's section.
  function watchSections() {
    if (!('IntersectionObserver' in window)) { return; }
    var visible = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { visible[e.target.getAttribute('data-sec')] = e.isIntersecting ? e.intersectionRatio : 0; });
      var best = null;
      Object.keys(visible).forEach(function (k) { if (visible[k] > 0 && (best === null || visible[k] > visible[best])) { best = k; } });
      if (best !== null && best !== (params.get('sec') || '1')) {
        params.set('sec', best);
        writeAddress();
      }
    }, { threshold: [0, 0.25, 0.5, 0.75, 1] });
    var sections = document.querySelectorAll('.walk-section');
    for (var i = 0; i < sections.length; i++) { observer.observe(sections[i]); }
  }

  // ---- applying sections from the server ----

  function setParagraphs(container, paragraphs) {
    if (!container) { return; }
    while (container.firstChild) { container.removeChild(container.firstChild); }
    (paragraphs || []).forEach(function (t) {
      var p = document.createElement('p');
      p.textContent = t;
      container.appendChild(p);
    });
  }

  function applyTable(t) {
    var table = byId(t.id);
    if (!table) { return; }
    table.caption.textContent = t.caption;
    var head = table.tHead.rows[0];
    t.head.forEach(function (h, i) { if (head.cells[i]) { head.cells[i].textContent = h; } });
    var body = table.tBodies[0];
    while (body.rows.length) { body.deleteRow(0); }
    t.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (cell, i) {
        var c = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) { c.setAttribute('scope', 'row'); }
        c.textContent = cell;
        tr.appendChild(c);
      });
    });
  }

  function applyTables(section, tables) {
    var container = section.querySelector('[data-part=tables]');
    (tables || []).forEach(function (t) {
      if (!byId(t.id)) {
        // A section that was pending has no tables yet: build an empty one to fill.
        var wrap = document.createElement('div');
        wrap.className = t.head.length >= 5 ? 'table-wrap wide' : 'table-wrap';
        var table = document.createElement('table');
        table.className = 'walk-table';
        table.id = t.id;
        table.createCaption();
        table.createTHead().insertRow();
        t.head.forEach(function () { var th = document.createElement('th'); th.setAttribute('scope', 'col'); table.tHead.rows[0].appendChild(th); });
        table.createTBody();
        wrap.appendChild(table);
        container.appendChild(wrap);
      }
      applyTable(t);
    });
  }

  function applyCharts(section, list) {
    var container = section.querySelector('[data-part=charts]');
    (list || []).forEach(function (c) {
      if (charts[c.id]) {
        charts[c.id].setOption(c.option, { notMerge: true });
        return;
      }
      var figure = document.createElement('figure');
      figure.className = c.tall ? 'chart tall' : 'chart';
      var node = document.createElement('div');
      node.id = c.id;
      node.className = 'chart-canvas';
      node.setAttribute('role', 'img');
      node.setAttribute('aria-label', c.label);
      figure.appendChild(node);
      container.appendChild(figure);
      initChart(node, c.option);
    });
  }

  function applyQuestion(section, q) {
    var box = section.querySelector('.question');
    box.setAttribute('data-correct', (q.correct || []).join(','));
    box.querySelector('[data-part=answer]').textContent = q.answer;
    var labels = box.querySelectorAll('.choice');
    q.choices.forEach(function (c, i) {
      if (!labels[i]) { return; }
      var input = labels[i].querySelector('input');
      labels[i].textContent = '';
      labels[i].appendChild(input);
      labels[i].appendChild(document.createTextNode(' ' + c));
    });
    var prompt = box.querySelector('.prompt');
    var strong = prompt.querySelector('strong');
    prompt.textContent = '';
    prompt.appendChild(strong);
    prompt.appendChild(document.createTextNode(' ' + q.prompt));
    showVerdict(box);
  }

  function applySection(s) {
    var section = byId(s.anchor);
    if (!section) { return; }
    setParagraphs(section.querySelector('[data-part=lead]'), s.lead);
    setParagraphs(section.querySelector('[data-part=notes]'), s.notes);
    if (!s.pending) {
      var pending = section.querySelector('[data-part=pending]');
      if (pending) { pending.parentNode.removeChild(pending); }
    }
    applyCharts(section, s.charts);
    applyTables(section, s.tables);
    applyQuestion(section, s.question);
  }

  // ---- fetching ----

  var latest = {};
  var timers = {};

  function setStatus(message) { byId('walk-status').textContent = message || ''; }

  function fetchParts(parts) {
    var key = parts.join(',');
    var id = (latest[key] || 0) + 1;
    latest[key] = id;
    var q = new URLSearchParams(queryWith({}));
    q.set('lang', config.lang);
    q.set('part', key);
    state.inFlight++;
    setStatus(text.updating);
    return fetch('/api/learn?' + q.toString(), { headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('status ' + r.status); } return r.json(); })
      .then(function (data) {
        if (id !== latest[key]) { return; } // a newer request for these sections is on its way
        data.sections.forEach(applySection);
        state.updates++;
      })
      .catch(function () { state.failures++; setStatus(text.failed); })
      .then(function () {
        state.inFlight--;
        if (state.inFlight === 0 && byId('walk-status').textContent === text.updating) { setStatus(''); }
      });
  }

  // schedule fetches the sections after the control has been still for a moment, so a
  // dragged slider does not send a request per pixel.
  function schedule(parts, delay) {
    var key = parts.join(',');
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { fetchParts(parts); }, delay);
  }

  function refreshFor(name) {
    var parts = partsOf[name];
    if (!parts) { return; }
    schedule(parts, 150);
    if (name === 'alpha' || name === 'gamma') { schedule(['7'], 150); }
  }

  // ---- controls ----

  function onSliderInput(event) {
    var input = event.target;
    params.set(input.name, input.value);
    var out = byId('out-' + input.name);
    if (out) { out.textContent = input.value; }
    var template = text['valuetext_' + input.name];
    if (template) { input.setAttribute('aria-valuetext', format(template, { value: input.value })); }
    writeAddress();
    refreshFor(input.name);
  }

  function onWalkInput(event) {
    var input = event.target;
    var logOf = input.getAttribute('data-log-of');
    if (logOf) {
      // The slider's value is log10 of the count, and the number field's value is the count.
      var target = byId('in-' + logOf);
      var value = Math.round(Math.pow(10, parseFloat(input.value)));
      value = Math.min(Math.max(value, parseInt(target.min, 10)), parseInt(target.max, 10));
      target.value = String(value);
      params.set(logOf, target.value);
      var outLog = byId('out-' + input.name);
      if (outLog) { outLog.textContent = input.value; }
      writeAddress();
      refreshFor(logOf);
      return;
    }
    if (input.type === 'checkbox') {
      params.set(input.name, input.checked ? '1' : '0');
    } else {
      if (!input.validity.valid || input.value === '') { return; }
      params.set(input.name, input.value);
      var out = byId('out-' + input.name);
      if (out) { out.textContent = input.value; }
    }
    writeAddress();
    refreshFor(input.name);
  }

  // ---- section 2: the draggable point ----

  function bindSurprise() {
    var chart = charts['c-s2-surprise'];
    var input = byId('in-pt');
    if (!chart || !input) { return; }
    var dragging = false;
    function moveTo(offsetX, offsetY) {
      var value = chart.convertFromPixel({ seriesIndex: 0 }, [offsetX, offsetY]);
      if (!value || !isFinite(value[0])) { return; }
      var k = Math.min(Math.max(Math.round(value[0] * 1000), 1), 999);
      var curve = chart.getOption().series[0].data;
      var point = curve[k - 1].value || curve[k - 1];
      chart.setOption({ series: [{}, {}, { data: [{ value: point }] }] });
      input.value = (k / 1000).toString();
      onWalkInput({ target: input });
    }
    var zr = chart.getZr();
    zr.on('mousedown', function (e) { dragging = true; moveTo(e.offsetX, e.offsetY); });
    zr.on('mousemove', function (e) { if (dragging) { moveTo(e.offsetX, e.offsetY); } });
    zr.on('mouseup', function () { dragging = false; });
    zr.on('globalout', function () { dragging = false; });
  }

  // ---- prediction questions ----

  function chosen(box) {
    var checked = box.querySelector('input[type=radio]:checked');
    return checked ? parseInt(checked.value, 10) : -1;
  }

  function showVerdict(box) {
    var details = box.querySelector('details');
    var verdict = box.querySelector('.verdict');
    if (!details.open) { verdict.textContent = ''; return; }
    // data-correct lists every choice the result supports (tied choices
    // included); it is empty while the result is pending.
    var attr = box.getAttribute('data-correct');
    var correct = attr ? attr.split(',').map(function (v) { return parseInt(v, 10); }) : [];
    var pick = chosen(box);
    if (correct.length === 0 || pick < 0) { verdict.textContent = ''; return; }
    verdict.textContent = correct.indexOf(pick) >= 0 ? text.right : text.wrong;
  }

  function bindQuestions() {
    var boxes = document.querySelectorAll('.question');
    Array.prototype.forEach.call(boxes, function (box) {
      var details = box.querySelector('details');
      var summary = details.querySelector('summary');
      var verdict = box.querySelector('.verdict');
      summary.addEventListener('click', function (e) {
        if (!details.open && chosen(box) < 0) {
          // The computed result opens only after the reader has chosen a prediction.
          e.preventDefault();
          verdict.textContent = '';
          var hint = box.querySelector('.choose-first');
          if (!hint) {
            hint = document.createElement('p');
            hint.className = 'choose-first';
            hint.setAttribute('role', 'status');
            box.insertBefore(hint, details);
          }
          hint.textContent = text.predict_first;
        }
      });
      details.addEventListener('toggle', function () {
        var hint = box.querySelector('.choose-first');
        if (hint) { hint.textContent = ''; }
        showVerdict(box);
      });
      box.addEventListener('change', function () { showVerdict(box); });
    });
  }

  function copyLink() {
    var status = byId('copy-status');
    var done = function () { status.textContent = text.copied; };
    var fail = function () { status.textContent = text.copy_failed; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(window.location.href).then(done, fail);
    } else {
      fail();
    }
  }

  function bind() {
    var form = byId('walk-controls');
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    ['in-alpha', 'in-gamma'].forEach(function (id) { byId(id).addEventListener('input', onSliderInput); });
    var inputs = document.querySelectorAll('[data-walk]');
    for (var i = 0; i < inputs.length; i++) {
      var evt = inputs[i].type === 'range' ? 'input' : 'change';
      inputs[i].addEventListener(evt, onWalkInput);
    }
    byId('copy-link').addEventListener('click', copyLink);
    bindSurprise();
    bindQuestions();
  }

  window.focalWalk = { charts: charts, state: state };
  initCharts();
  bind();
  writeLinks();
  var sec = params.get('sec') || '1';
  if (!location.hash && sec !== '1' && byId('s' + sec)) {
    byId('s' + sec).scrollIntoView();
  }
  history.replaceState(null, '', location.pathname + location.search + (location.hash || '#s' + sec));
  watchSections();
  if (document.querySelector('[data-part=pending]')) { fetchParts(['7']); }
})();
