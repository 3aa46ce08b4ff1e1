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
  // current holds the α and γ on the sliders. Before the run starts they are also the
  // link's start values; during a run the link keeps the start values and records each
  // move as a change, so replaying the link reproduces the run.
  var current = { alpha: byId('in-alpha').value, gamma: byId('in-gamma').value };

  function byId(id) { return document.getElementById(id); }

  function initCharts() {
    var nodes = document.querySelectorAll('.chart-canvas[data-option]');
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var option = JSON.parse(byId(node.getAttribute('data-option')).textContent);
      var chart = echarts.init(node, null, { renderer: 'canvas', locale: config.lang === 'en' ? 'EN' : 'ZH' });
      chart.setOption(option);
      charts[node.id] = chart;
    }
    var train = charts['chart-train'].getOption();
    trainData = train.series.map(function (s) { return (s.data || []).map(function (d) { return d.value || d; }); });
    var flLoss = train.series[1];
    markers = (flLoss.markLine && flLoss.markLine.data) ? flLoss.markLine.data.slice() : [];
    window.addEventListener('resize', function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
  }

  // writeAddress puts the current state into the address bar and the language link.
  function writeAddress(force) {
    var now = Date.now();
    if (!force && now - lastUrlWrite < 500) { return; }
    lastUrlWrite = now;
    if (step > 0) { params.set('step', String(step)); } else { params.delete('step'); }
    if (changes.length) { params.set('ch', changes.join(',')); } else { params.delete('ch'); }
    var query = params.toString().replace(/%3A/g, ':').replace(/%2C/g, ',');
    history.replaceState(null, '', query ? '/?' + query : '/');
    var other = new URLSearchParams(params);
    other.set('lang', config.lang === 'en' ? 'zh-CN' : 'en');
    byId('lang-switch').setAttribute('href', '/?' + other.toString());
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }

  function setStatus(message) {
    byId('run-status').textContent = message || format(text.status_step, { step: step, steps: steps });
  }

  // ---- charts 1 and 2 follow the α, γ and log-axis controls ----

  var chartRequest = 0;
  var chartTimer = null;

  function refreshCurves() {
    var id = ++chartRequest;
    var query = new URLSearchParams(params);
    query.delete('ch');
    query.delete('step');
    query.set('alpha', current.alpha);
    query.set('gamma', current.gamma);
    fetch('/api/charts?' + query.toString(), { headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('status ' + r.status); } return r.json(); })
      .then(function (data) {
        if (id !== chartRequest) { return; } // a newer request is on its way
        charts['chart-loss'].setOption(data.loss, { notMerge: true });
        charts['chart-mod'].setOption(data.mod, { notMerge: true });
        var rows = byId('readouts').tBodies[0].rows;
        data.readouts.forEach(function (r, i) {
          var cells = rows[i].querySelectorAll('[data-col]');
          for (var j = 0; j < cells.length; j++) {
            var key = cells[j].getAttribute('data-col');
            var field = { factor: 'Factor', ratioGamma: 'RatioGamma', ratioPositive: 'RatioPositive', ratioNegative: 'RatioNegative' }[key];
            cells[j].textContent = r[field];
          }
        });
        window.focalLab.curveUpdates++;
      })
      .catch(function () { /* the next slider move retries; the old chart stays */ });
  }

  function onLiveInput(event) {
    var input = event.target;
    if (input.type === 'checkbox') {
      if (input.checked) { params.set(input.name, '1'); } else { params.delete(input.name); }
    } else {
      current[input.name] = input.value;
      if (step === 0) { params.set(input.name, input.value); }
      byId('out-' + input.name).textContent = input.value;
      input.setAttribute('aria-valuetext', format(text['valuetext_' + input.name], { value: input.value }));
    }
    writeAddress(true);
    if (chartTimer === null) {
      chartTimer = requestAnimationFrame(function () { chartTimer = null; refreshCurves(); });
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
    charts['chart-train'].setOption({ series: [{}, { markLine: { symbol: ['none', 'none'], label: { show: true, formatter: '{b}' }, lineStyle: { color: '#444', type: 'dashed' }, data: markers } }] });
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
    frame.points.forEach(function (p, i) {
      var series = trainData[i];
      if (series.length && series[series.length - 1][0] >= p[0]) { series.pop(); }
      series.push(p);
    });
    charts['chart-train'].setOption({ series: trainData.map(function (d) { return { data: d }; }) });
    var rows = byId('metrics').tBodies[0].rows;
    frame.table.forEach(function (m, i) {
      rows[i].cells[0].textContent = i === 0 ? m.Model : format(text.model_fl, { alpha: frame.alpha, gamma: frame.gamma });
      var cells = rows[i].querySelectorAll('[data-col]');
      for (var j = 0; j < cells.length; j++) {
        var key = cells[j].getAttribute('data-col');
        cells[j].textContent = m[{ loss: 'Loss', recall: 'Recall', precision: 'Precision', ap: 'AP', auc: 'AUC' }[key]];
      }
    });
    if (frame.heat) {
      var n = Math.round(Math.sqrt(frame.heat.fl.length));
      var toCells = function (values) { return values.map(function (v, k) { return [k % n, Math.floor(k / n), v]; }); };
      charts['chart-haystack'].setOption({ series: [{ data: toCells(frame.heat.ce) }, { data: toCells(frame.heat.fl) }] });
    }
    setStatus();
    writeAddress(false);
    window.focalLab.frames = framesReceived;
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
    params.set('alpha', byId('in-alpha').value);
    params.set('gamma', byId('in-gamma').value);
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
      if (!input.validity.valid || input.value === '') { return; }
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
    var fail = function () { status.textContent = text.copy_failed; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(done, fail);
    } else {
      fail();
    }
  }

  function bind() {
    var form = byId('controls');
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    var live = form.querySelectorAll('[data-live]');
    for (var i = 0; i < live.length; i++) {
      live[i].addEventListener('input', onLiveInput);
      live[i].addEventListener('change', onLiveChange);
      if (live[i].type === 'checkbox') { live[i].addEventListener('change', onLiveInput); }
    }
    var reload = form.querySelectorAll('[data-reload]');
    for (var j = 0; j < reload.length; j++) { reload[j].addEventListener('change', onReloadInput); }
    byId('btn-play').addEventListener('click', function () { startStream(steps); });
    byId('btn-pause').addEventListener('click', function () { stopStream(); writeAddress(true); setStatus(); });
    byId('btn-step').addEventListener('click', function () { startStream(step + 1); });
    byId('btn-reset').addEventListener('click', reset);
    byId('copy-link').addEventListener('click', copyLink);
    if (step >= steps) { byId('btn-play').disabled = true; byId('btn-step').disabled = true; }
  }

  window.focalLab = { charts: charts, frames: 0, curveUpdates: 0 };
  initCharts();
  bind();
  writeAddress(true);
})();
