// Focal Lab page script: draws the chart options the server embedded, keeps the address
// bar equal to what is on screen, and plays the training stream. Every number it shows
// comes from the server; this file only moves data into ECharts and the DOM.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('client-config').textContent);
  var text = config.text;
  var params = new URLSearchParams(config.query);
  var charts = {};
  var step = config.step;
  var steps = config.steps;
  var changes = config.changes ? config.changes.split(',') : [];
  var maxChanges = 32;
  var source = null; // the open EventSource, if training is running
  var trainData = null; // per-series [step, value] arrays of chart 4
  var markers = [];
  var framesReceived = 0;
  var lastUrlWrite = 0;
  // current is the α and γ on the sliders. Before the run starts they are also the
  // link's start values; during a run the link keeps the start values and records each
  // move as a change, so replaying the link reproduces the run.
  var current = { alpha: valueOf('in-alpha', config.startAlpha), gamma: valueOf('in-gamma', config.startGamma) };

  function byId(id) { return document.getElementById(id); }

  // valueOf reads an input's value, or the fallback on pages without it (embedded figures).
  function valueOf(id, fallback) {
    var input = byId(id);
    return input ? input.value : String(fallback);
  }

  // announce tells the classroom script (static/classroom.js) which charts changed, so it
  // can refresh their data tables and descriptions.
  function announce(ids) {
    document.dispatchEvent(new CustomEvent('focallab:update', { detail: { charts: ids } }));
  }

  // styled passes a full chart option through the classroom script's styling (presenter
  // mode, narrow screens, accessibility) before it reaches ECharts. That script loads
  // first, so its styling applies from the first drawing on.
  function styled(id, option) {
    var classroom = window.focalLabClassroom;
    return classroom ? classroom.styleOption(id, option) : option;
  }

  function initCharts() {
    var nodes = document.querySelectorAll('.chart-canvas[data-option]');
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var option = JSON.parse(byId(node.getAttribute('data-option')).textContent);
      var chart = echarts.init(node, null, { renderer: 'canvas', locale: config.lang === 'en' ? 'EN' : 'ZH' });
      chart.setOption(styled(node.id, option));
      charts[node.id] = chart;
    }
    window.addEventListener('resize', function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
    if (!charts['chart-train']) { return; }
    var train = charts['chart-train'].getOption();
    trainData = train.series.map(function (s) { return (s.data || []).map(function (d) { return d.value || d; }); });
    var flLoss = train.series[1];
    markers = (flLoss.markLine && flLoss.markLine.data) ? flLoss.markLine.data.slice() : [];
  }

  // writeAddress puts the current state into the address bar and the language link.
  function writeAddress(force) {
    var now = Date.now();
    if (!force && now - lastUrlWrite < 500) { return; }
    lastUrlWrite = now;
    if (step > 0) { params.set('step', String(step)); } else { params.delete('step'); }
    if (changes.length) { params.set('ch', changes.join(',')); } else { params.delete('ch'); }
    var query = params.toString().replace(/%3A/g, ':').replace(/%2C/g, ',');
    history.replaceState(null, '', query ? location.pathname + '?' + query : location.pathname);
    var other = new URLSearchParams(params);
    other.set('lang', config.lang === 'en' ? 'zh-CN' : 'en');
    if (byId('lang-switch')) { byId('lang-switch').setAttribute('href', '/?' + other.toString()); }
    if (byId('learn-link')) { byId('learn-link').setAttribute('href', '/learn' + (query ? '?' + query : '')); }
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }

  function setStatus(message) {
    var status = byId('run-status');
    if (status) { status.textContent = message || format(text.status_step, { step: step, steps: steps }); }
  }

  // ---- charts 1 and 2 follow the α, γ and log-axis controls ----

  var chartRequest = 0;
  var chartTimer = null; // 'busy' while a /api/charts request is in flight
  var chartPending = false; // a slider moved while the request was in flight
  var inputAt = null; // timeStamp of the first input not yet drawn, for focalLab.latencies

  function refreshCurves() {
    var id = ++chartRequest;
    var query = new URLSearchParams(params);
    query.delete('ch');
    query.delete('step');
    query.set('alpha', current.alpha);
    query.set('gamma', current.gamma);
    var release = function () {
      chartTimer = null;
      if (chartPending) { chartPending = false; chartTimer = 'busy'; refreshCurves(); }
    };
    fetch('/api/charts?' + query.toString(), { headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('status ' + r.status); } return r.json(); })
      .then(function (data) {
        if (id !== chartRequest) { return; } // a newer request is on its way
        if (charts['chart-loss']) { charts['chart-loss'].setOption(styled('chart-loss', data.loss), { notMerge: true }); }
        if (charts['chart-mod']) { charts['chart-mod'].setOption(styled('chart-mod', data.mod), { notMerge: true }); }
        announce(['chart-loss', 'chart-mod']);
        var rows = byId('readouts') ? byId('readouts').tBodies[0].rows : [];
        data.readouts.forEach(function (r, i) {
          if (!rows[i]) { return; }
          var cells = rows[i].querySelectorAll('[data-col]');
          for (var j = 0; j < cells.length; j++) {
            var key = cells[j].getAttribute('data-col');
            var field = { factor: 'Factor', ratioGamma: 'RatioGamma', ratioPositive: 'RatioPositive', ratioNegative: 'RatioNegative' }[key];
            cells[j].textContent = r[field];
          }
        });
        window.focalLab.curveUpdates++;
        // ECharts 5.6's setOption paints the canvas before it returns, so both charts are redrawn here.
        if (inputAt !== null) { window.focalLab.latencies.push(performance.now() - inputAt); inputAt = null; }
      })
      .catch(function () { /* the next slider move retries; the old chart stays */ })
      .then(release);
  }

  function onLiveInput(event) {
    var input = event.target;
    if (inputAt === null) { inputAt = event.timeStamp; }
    if (input.type === 'checkbox') {
      if (input.checked) { params.set(input.name, '1'); } else { params.delete(input.name); }
    } else {
      current[input.name] = input.value;
      if (step === 0) {
        params.set(input.name, input.value);
        // Before the run starts, the FL row names the values it will train with.
        var metrics = byId('metrics'); // absent on embed pages
        if (metrics) {
          metrics.tBodies[0].rows[1].cells[0].textContent = format(text.model_fl, { alpha: current.alpha, gamma: current.gamma });
        }
      }
      byId('out-' + input.name).textContent = input.value;
      input.setAttribute('aria-valuetext', format(text['valuetext_' + input.name], { value: input.value }));
    }
    writeAddress(true);
    // Fetch at once, but keep one request in flight: moves made meanwhile are folded
    // into one follow-up request, so a fast drag costs a few requests, not one per event.
    if (chartTimer === null) {
      chartTimer = 'busy';
      refreshCurves();
    } else {
      chartPending = true;
    }
  }

  // A committed α or γ move during a run becomes a change that applies from the next step.
  function onLiveChange(event) {
    var input = event.target;
    if (input.type !== 'range' || step === 0) { return; }
    var letter = input.name === 'alpha' ? 'a' : 'g';
    var at = step + 1;
    if (at > steps) { return; }
    var prefix = at + ':' + letter;
    changes = changes.filter(function (c) { return c.indexOf(prefix) !== 0; });
    if (changes.length >= maxChanges) { setStatus(format(text.status_step, { step: step, steps: steps })); return; }
    changes.push(prefix + input.value);
    markers = markers.filter(function (m) { return !(m.xAxis === at && m.name.charAt(0) === (letter === 'a' ? 'α' : 'γ')); });
    markers.push({ name: (letter === 'a' ? 'α' : 'γ') + '→' + input.value, xAxis: at });
    if (charts['chart-train']) {
      charts['chart-train'].setOption({ series: [{}, { markLine: { symbol: ['none', 'none'], label: { show: true, formatter: '{b}' }, lineStyle: { color: '#444', type: 'dashed' }, data: markers } }] });
    }
    writeAddress(true);
    if (source) { startStream(steps); }
  }

  // ---- training stream ----

  function stopStream() {
    if (source) { source.close(); source = null; }
    byId('btn-play').disabled = false;
    byId('btn-pause').disabled = true;
    byId('btn-step').disabled = false;
  }

  function applyFrame(frame) {
    step = frame.step;
    framesReceived++;
    if (trainData) {
      frame.points.forEach(function (p, i) {
        var series = trainData[i];
        if (series.length && series[series.length - 1][0] >= p[0]) { series.pop(); }
        series.push(p);
      });
      charts['chart-train'].setOption({ series: trainData.map(function (d) { return { data: d }; }) });
    }
    var rows = byId('metrics') ? byId('metrics').tBodies[0].rows : [];
    frame.table.forEach(function (m, i) {
      if (!rows[i]) { return; } // an embedded figure has no metrics table
      rows[i].cells[0].textContent = i === 0 ? m.Model : format(text.model_fl, { alpha: frame.alpha, gamma: frame.gamma });
      var cells = rows[i].querySelectorAll('[data-col]');
      for (var j = 0; j < cells.length; j++) {
        var key = cells[j].getAttribute('data-col');
        cells[j].textContent = m[{ loss: 'Loss', recall: 'Recall', precision: 'Precision', ap: 'AP', auc: 'AUC' }[key]];
      }
    });
    if (frame.heat && charts['chart-haystack']) {
      var n = Math.round(Math.sqrt(frame.heat.fl.length));
      var toCells = function (values) { return values.map(function (v, k) { return [k % n, Math.floor(k / n), v]; }); };
      charts['chart-haystack'].setOption({ series: [{ data: toCells(frame.heat.ce) }, { data: toCells(frame.heat.fl) }] });
    }
    setStatus();
    writeAddress(false);
    window.focalLab.frames = framesReceived;
    announce(frame.heat ? ['chart-train', 'chart-haystack'] : ['chart-train']);
  }

  function startStream(to) {
    if (source) { source.close(); }
    if (step >= steps) { setStatus(text.done); return; }
    var query = new URLSearchParams(params);
    query.set('from', String(step));
    query.set('to', String(to));
    source = new EventSource('/api/stream?' + query.toString());
    byId('btn-play').disabled = true;
    byId('btn-pause').disabled = false;
    byId('btn-step').disabled = true;
    setStatus(step > 0 ? text.replaying : text.running);
    source.addEventListener('frame', function (e) { applyFrame(JSON.parse(e.data)); });
    source.addEventListener('queued', function (e) {
      setStatus(format(text.queued, { position: JSON.parse(e.data).position }));
    });
    source.addEventListener('end', function (e) {
      var end = JSON.parse(e.data);
      stopStream();
      writeAddress(true);
      var reasons = { done: '', busy: text.end_busy, limit: text.end_limit, shutdown: text.end_shutdown };
      setStatus(step >= steps ? text.done : (end.reason in reasons ? reasons[end.reason] : text.stream_lost));
    });
    source.onerror = function () {
      // Without this, EventSource reconnects and would restart the stream from the old step.
      if (source) { stopStream(); writeAddress(true); setStatus(text.stream_lost); }
    };
  }

  function reset() {
    stopStream();
    params.set('alpha', current.alpha);
    params.set('gamma', current.gamma);
    step = 0;
    changes = [];
    writeAddress(true);
    window.location.reload();
  }

  // Data and training settings change the whole run, so the page reloads with them.
  function onReloadInput(event) {
    var input = event.target;
    if (input.type === 'checkbox') {
      params.set(input.name, input.checked ? '1' : '0');
    } else {
      // An off-step or out-of-range number still reloads: the server snaps it to the
      // nearest valid value and says so in a notice.
      if (input.value === '') { return; }
      params.set(input.name, input.value);
    }
    step = 0;
    changes = [];
    stopStream();
    writeAddress(true);
    window.location.reload();
  }

  function copyLink() {
    var link = window.location.href;
    var status = byId('copy-status');
    var done = function () { status.textContent = text.copied; };
    var fallback = function () {
      // Plain http on a network address is no secure context, so there is no clipboard
      // API; the copy command copies the link from a field made for the purpose.
      var field = document.createElement('textarea');
      var focused = document.activeElement;
      field.value = link;
      field.readOnly = true;
      field.setAttribute('aria-hidden', 'true');
      field.style.position = 'fixed';
      field.style.top = '-100px';
      document.body.appendChild(field);
      field.select();
      var copied = false;
      try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
      field.remove();
      if (focused && focused.focus) { focused.focus(); }
      status.textContent = copied ? text.copied : text.copy_failed;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(done, fallback);
    } else {
      fallback();
    }
  }

  // A new speed applies from the next frame: a running stream restarts at the current step.
  function onSpeedChange(event) {
    var speed = event.target.value;
    if (speed === '1') { params.delete('speed'); } else { params.set('speed', speed); }
    writeAddress(true);
    if (source) { startStream(steps); }
  }

  function bind() {
    var form = byId('controls') || document.createElement('form');
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    var live = form.querySelectorAll('[data-live]');
    for (var i = 0; i < live.length; i++) {
      live[i].addEventListener('input', onLiveInput);
      live[i].addEventListener('change', onLiveChange);
      if (live[i].type === 'checkbox') { live[i].addEventListener('change', onLiveInput); }
    }
    var reload = form.querySelectorAll('[data-reload]');
    for (var j = 0; j < reload.length; j++) { reload[j].addEventListener('change', onReloadInput); }
    var speed = byId('in-speed');
    if (speed) {
      speed.addEventListener('input', function () { byId('out-speed').textContent = speed.value + '×'; });
      speed.addEventListener('change', onSpeedChange);
    }
    if (!byId('btn-play')) { return; } // an embedded figure without training
    byId('btn-play').addEventListener('click', function () { startStream(steps); });
    byId('btn-pause').addEventListener('click', function () { stopStream(); writeAddress(true); setStatus(); });
    byId('btn-step').addEventListener('click', function () { startStream(step + 1); });
    byId('btn-reset').addEventListener('click', reset);
    if (byId('copy-link')) { byId('copy-link').addEventListener('click', copyLink); }
    if (step >= steps) { byId('btn-play').disabled = true; byId('btn-step').disabled = true; }
  }

  // setParam changes one view parameter of the link, such as present, and rewrites the address.
  function setParam(name, value) {
    if (value === null) { params.delete(name); } else { params.set(name, value); }
    writeAddress(true);
  }

  window.focalLab = {
    charts: charts, frames: 0, curveUpdates: 0, latencies: [], setParam: setParam,
    playing: function () { return source !== null; }
  };
  initCharts();
  bind();
  writeAddress(true);
})();
