// Focal Lab classroom script: presenter mode, keyboard shortcuts, presets, the teacher-link
// dialog, chart images and data tables, and chart styling for projectors, phones and
// screen readers. It loads before app.js, because app.js calls styleOption on every full
// chart option. The rest starts once the page is parsed and app.js has drawn the charts.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('classroom-config').textContent);
  var text = config.text;
  var root = document.documentElement;
  var reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');
  var narrowScreen = window.matchMedia('(max-width: 600px)');

  // Projectors wash out light colours, so presenter mode swaps the light Okabe–Ito colours
  // of the charts for darker ones that keep CE (vermillion) and FL (dark blue) apart in
  // hue and in lightness, which stays true under the common forms of colour blindness.
  var projectorColors = {
    '#e69f00': '#d55e00', // CE: orange to vermillion
    '#0072b2': '#003f7f', // FL: blue to dark blue
    '#56b4e9': '#2b7bb9', // γ 0.5 of the family: sky blue
    '#009e73': '#00735a', // α-balanced CE and γ 1: bluish green
    '#cc79a7': '#a23b72', // γ 5 and hard negatives: reddish purple
    '#d55e00': '#a01c00', // needles, darker than the new CE colour
    '#7f7f7f': '#555555' // haystack
  };
  var figureNames = { 'chart-loss': 'loss', 'chart-mod': 'modulating', 'chart-haystack': 'haystack', 'chart-train': 'training' };
  var defaults = { alpha: '0.25', gamma: '2', ratio: '1000', seed: '1', step: '0', steps: '1000' };

  // serverStyle keeps, per chart, the series colours and widths of the server's option, so
  // leaving presenter mode restores them.
  var serverStyle = {};

  // printing is true between beforeprint and afterprint: paper gets the normal look.
  var printing = false;

  function byId(id) { return document.getElementById(id); }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }

  // param returns a link parameter as the page shows it: from its control when there is
  // one, else from the address bar, else its default.
  function param(name) {
    var input = byId('in-' + name);
    if (input && input.type !== 'checkbox') { return input.value; }
    var value = new URLSearchParams(location.search).get(name);
    return value !== null ? value : defaults[name];
  }

  function isLocked(control) { return (config.locked || []).indexOf(control) >= 0; }

  // ---- chart styling ----

  function asArray(v) { return Array.isArray(v) ? v : (v ? [v] : []); }

  function describe(id) {
    switch (id) {
      case 'chart-loss': return format(text.cls_aria_loss, { alpha: param('alpha'), gamma: param('gamma') });
      case 'chart-mod': return format(text.cls_aria_mod, { gamma: param('gamma') });
      case 'chart-train': return format(text.cls_aria_train, { step: param('step'), steps: param('steps') });
      default: return text.cls_aria_haystack;
    }
  }

  function recordServerStyle(id, option) {
    serverStyle[id] = {
      series: asArray(option.series).map(function (s) {
        return {
          width: s.lineStyle && s.lineStyle.width,
          line: s.lineStyle && s.lineStyle.color,
          item: s.itemStyle && s.itemStyle.color
        };
      }),
      gridTop: asArray(option.grid).map(function (g) { return g.top; }),
      grid: asArray(option.grid).slice(0, 1).map(function (g) { return { left: g.left, right: g.right, bottom: g.bottom }; })[0] || {},
      legendTop: (asArray(option.legend)[0] || {}).top,
      visualMap: asArray(option.visualMap).map(function (v) {
        return {
          right: v.right, top: v.top, itemGap: v.itemGap,
          itemWidth: v.itemWidth, itemHeight: v.itemHeight, fontSize: v.textStyle && v.textStyle.fontSize
        };
      })
    };
  }

  function projector(color) {
    return (color && projectorColors[String(color).toLowerCase()]) || color;
  }

  // pieceDefaults are the ECharts 5.6 defaults that the layout of a piecewise visualMap
  // depends on. textGap and padding are those of every visualMap.
  var pieceDefaults = { itemWidth: 20, itemHeight: 14, itemGap: 10, textGap: 10, padding: 5, fontSize: 12 };
  var measureContext = null;

  // textWidth measures text at fontSize in sans-serif, ECharts 5.6's default font family.
  // NOTE: on Windows ECharts draws Microsoft YaHei, so the width there is an estimate.
  function textWidth(value, fontSize) {
    measureContext = measureContext || document.createElement('canvas').getContext('2d');
    measureContext.font = fontSize + 'px sans-serif';
    return measureContext.measureText(String(value)).width;
  }

  // colourScalePatch sizes and places the piecewise colour scale (visualMap) of the
  // haystack heatmap. Wide screens keep it right of the plot, where the server puts it.
  // Narrow screens move it below the plot, so the plot keeps the chart's width. It
  // returns the visualMap option and the sides of the first grid that leave it room.
  function colourScalePatch(id, visualMap, ink, presenting, narrow) {
    var base = (serverStyle[id] || {}).visualMap;
    base = (base && base[0]) || {};
    var grid = (serverStyle[id] || {}).grid || {};
    var server = {
      itemWidth: base.itemWidth !== undefined ? base.itemWidth : pieceDefaults.itemWidth,
      itemHeight: base.itemHeight !== undefined ? base.itemHeight : pieceDefaults.itemHeight,
      itemGap: base.itemGap !== undefined ? base.itemGap : pieceDefaults.itemGap,
      fontSize: base.fontSize !== undefined ? base.fontSize : pieceDefaults.fontSize
    };

    // On a projector the scale's swatches and labels match the legend's 17 px type.
    var size = presenting ? { itemWidth: 28, itemHeight: 22, itemGap: 8, fontSize: 17 } : server;
    var pieces = visualMap.pieces || [];
    var labelWidth = 0;
    pieces.forEach(function (piece) { labelWidth = Math.max(labelWidth, textWidth(piece.label || '', size.fontSize)); });
    var pad = pieceDefaults.padding;
    var width = Math.ceil(labelWidth + pieceDefaults.textGap + size.itemWidth + 2 * pad);
    var height = pieces.length * size.itemHeight + Math.max(0, pieces.length - 1) * size.itemGap + 2 * pad;

    var option = {
      itemWidth: size.itemWidth, itemHeight: size.itemHeight, itemGap: size.itemGap,
      textStyle: { fontSize: size.fontSize, color: ink }
    };
    var sides = { left: grid.left, right: grid.right, bottom: grid.bottom };
    var serverRight = parseFloat(grid.right) || 0;
    var serverBottom = parseFloat(grid.bottom) || 0;
    if (narrow) {
      // ECharts keeps one side of each pair for a visualMap, so setting left and bottom
      // with right and top null moves the scale.
      option.left = grid.left;
      option.bottom = 0;
      option.right = null;
      option.top = null;
      sides.right = 16;
      sides.bottom = serverBottom + height + 4;
    } else {
      option.right = base.right;
      option.top = base.top;
      option.left = null;
      option.bottom = null;
      sides.right = Math.max(serverRight, width + 8);
    }
    return { visualMap: [option], grid: sides };
  }

  // stylePatch returns the option fragment that sets the current look of a chart drawn
  // from option. Every value is set in both modes, so applying the patch also undoes the
  // other mode.
  function stylePatch(id, option) {
    var axes = { x: asArray(option.xAxis), y: asArray(option.yAxis) };
    var seriesCount = asArray(option.series).length;
    var presenting = root.classList.contains('presenting') && !printing;
    var narrow = narrowScreen.matches && !printing;
    var font = presenting ? { title: 24, legend: 17, axis: 16 } : { title: narrow ? 15 : 18, legend: 12, axis: 12 };
    // Text is black on a projector; otherwise it keeps ECharts 5's default greys.
    var ink = presenting ? { title: '#000', legend: '#000', axis: '#111' } : { title: '#464646', legend: '#333', axis: '#6e7079' };
    var axis = function () {
      return { axisLabel: { fontSize: font.axis, color: ink.axis }, nameTextStyle: { fontSize: font.axis, color: ink.axis } };
    };
    var base = serverStyle[id] || { series: [], gridTop: [] };
    var series = [];
    for (var i = 0; i < seriesCount; i++) {
      var b = base.series[i] || {};
      var s = {};
      if (b.width !== undefined) { s.lineStyle = { width: presenting ? Math.max(3, b.width * 2) : b.width }; }
      if (b.line !== undefined) { s.lineStyle = s.lineStyle || {}; s.lineStyle.color = presenting ? projector(b.line) : b.line; }
      if (b.item !== undefined) { s.itemStyle = { color: presenting ? projector(b.item) : b.item }; }
      series.push(s);
    }
    // The server's charts never animate their data; with reduced motion the tooltip also
    // jumps instead of gliding, and the scrolling legend pages without sliding.
    var still = reducedMotion.matches;
    var patch = {
      animation: false,
      aria: { enabled: true, label: { description: describe(id) } },
      title: { textStyle: { fontSize: font.title, color: ink.title } },
      // In presenter mode the larger title pushes the legend down, and the legend the plot.
      legend: {
        type: presenting || narrow ? 'scroll' : 'plain', animation: !still, textStyle: { fontSize: font.legend, color: ink.legend },
        top: presenting ? 40 : base.legendTop
      },
      grid: base.gridTop.map(function (top, i) { return { top: presenting && i === 0 ? 112 : top }; }),
      tooltip: { transitionDuration: still ? 0 : 0.4, textStyle: { fontSize: presenting ? 18 : 14 } },
      xAxis: axes.x.map(axis),
      yAxis: axes.y.map(axis),
      series: series
    };
    var visualMap = asArray(option.visualMap)[0];
    if (visualMap && visualMap.type === 'piecewise' && patch.grid.length) {
      var scale = colourScalePatch(id, visualMap, ink.legend, presenting, narrow);
      patch.visualMap = scale.visualMap;
      Object.keys(scale.grid).forEach(function (side) { patch.grid[0][side] = scale.grid[side]; });
    }
    return patch;
  }

  // merge copies patch into target: objects key by key, arrays item by item. An object
  // in target patched with an array takes the array's first item.
  function merge(target, patch) {
    Object.keys(patch).forEach(function (key) {
      var from = patch[key];
      var to = target[key];
      if (Array.isArray(from) && Array.isArray(to)) {
        from.forEach(function (item, i) { if (to[i] && typeof to[i] === 'object') { merge(to[i], item); } else { to[i] = item; } });
      } else if (Array.isArray(from) && to && typeof to === 'object') {
        if (from.length) { merge(to, from[0]); }
      } else if (from && typeof from === 'object' && to && typeof to === 'object') {
        merge(to, from);
      } else {
        target[key] = from;
      }
    });
    return target;
  }

  // styleOption styles a full option fresh from the server; app.js calls it before every
  // full setOption.
  function styleOption(id, option) {
    recordServerStyle(id, option);
    return merge(option, stylePatch(id, option));
  }
  window.focalLabClassroom = { styleOption: styleOption };

  // restyle applies the current look to a chart that is already drawn, keeping its data.
  function restyle(id) {
    var chart = window.focalLab.charts[id];
    chart.setOption(stylePatch(id, chart.getOption()));
  }

  function restyleAll() {
    Object.keys(window.focalLab.charts).forEach(function (id) {
      restyle(id);
      window.focalLab.charts[id].resize();
    });
  }

  // ---- status messages for keyboard users ----

  // toastMillis is how long a message stays on screen: long enough to read two short
  // sentences.
  var toastMillis = 4000;
  var toastTimer = null;

  // say shows a message on screen for toastMillis and reads it out through a polite live
  // region. The visible copy is hidden from screen readers, so they hear it once.
  function say(message) {
    var live = byId('classroom-status');
    live.textContent = '';
    window.setTimeout(function () { live.textContent = message; }, 50);

    var toast = byId('classroom-toast');
    toast.textContent = message;
    toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () { toast.hidden = true; }, toastMillis);
  }

  // ---- presenter mode ----

  function setPresenter(on) {
    root.classList.toggle('presenting', on);
    var button = byId('btn-present');
    if (button) {
      button.setAttribute('aria-pressed', String(on));
      button.textContent = on ? text.cls_present_exit : text.cls_present;
    }
    if (!on) { showSecondary(false); }
    window.focalLab.setParam('present', on ? '1' : null);
    if (on) {
      requestFullscreen();
    } else if (document.fullscreenElement) {
      document.exitFullscreen().catch(function () { /* already left */ });
    }
    window.requestAnimationFrame(restyleAll);
  }

  // requestFullscreen requests full screen. Browsers allow it only during a key press or
  // click, and reject it in frames and on some phones, where the presenter layout still
  // fills the window.
  function requestFullscreen() {
    if (!root.requestFullscreen || document.fullscreenElement) { return; }
    root.requestFullscreen().catch(function () { /* refused: the layout still fills the window */ });
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(function () { /* already left */ });
    } else {
      requestFullscreen();
    }
  }

  function showSecondary(show) {
    root.classList.toggle('show-secondary', show);
    var more = byId('btn-more');
    if (more) {
      more.setAttribute('aria-expanded', String(show));
      more.textContent = show ? text.cls_fewer_settings : text.cls_more_settings;
    }
  }

  // ---- keyboard shortcuts ----

  // isField reports whether keys typed at the element belong to it: text fields, number
  // fields, sliders, check boxes, drop-downs and editable text.
  function isField(el) {
    if (!el || !el.tagName) { return false; }
    var tag = el.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
  }

  // activatesOnSpace reports whether Space already does something at the element.
  function activatesOnSpace(el) {
    return el && (el.tagName === 'BUTTON' || el.tagName === 'A' || el.tagName === 'SUMMARY');
  }

  function click(id) {
    var button = byId(id);
    if (button && !button.disabled) { button.click(); }
  }

  function togglePlay() {
    if (window.focalLab.playing()) { click('btn-pause'); } else { click('btn-play'); }
  }

  // nudgeGamma moves the γ slider one step, as its own arrow keys would.
  function nudgeGamma(direction) {
    var input = byId('in-gamma');
    if (!input) { return; }
    if (isLocked('gamma') || input.disabled) { say(text.cls_locked_gamma); return; }
    var before = input.value;
    if (direction > 0) { input.stepUp(); } else { input.stepDown(); }
    if (input.value === before) { return; }
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function openPreset(key) {
    var href = config.presets && config.presets[key];
    if (!href) { say(text.cls_locked_preset); return; }
    window.location.href = href;
  }

  function openDialog(id) {
    var dialog = byId(id);
    if (dialog && !dialog.open) { dialog.showModal(); }
    return dialog;
  }

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (isField(event.target) || document.querySelector('dialog[open]')) { return; }
    var key = event.key;
    switch (key) {
      case ' ':
        if (activatesOnSpace(event.target)) { return; }
        togglePlay();
        break;
      case 'ArrowRight': click('btn-step'); break;
      case 'r': case 'R': click('btn-reset'); break;
      case '[': nudgeGamma(-1); break;
      case ']': nudgeGamma(1); break;
      case '1': case '2': case '3': case '4': case '5': openPreset(key); break;
      case 'p': case 'P': if (byId('btn-present')) { setPresenter(!root.classList.contains('presenting')); } break;
      case 'f': case 'F': toggleFullscreen(); break;
      case '?': if (byId('help-dialog')) { openDialog('help-dialog'); } break;
      default: return;
    }
    event.preventDefault();
  }

  // ---- teacher links ----

  var shareRequest = 0;

  function shareQuery() {
    var query = new URLSearchParams(location.search);
    var hide = [];
    var lock = [];
    var rows = document.querySelectorAll('#share-dialog tr[data-control]');
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i].getAttribute('data-control');
      var checked = rows[i].querySelector('input:checked');
      if (checked && checked.value === 'hide') { hide.push(name); }
      if (checked && checked.value === 'lock') { lock.push(name); }
    }
    query.delete('hide');
    query.delete('lock');
    query.delete('present');
    if (hide.length) { query.set('hide', hide.join(',')); }
    if (lock.length) { query.set('lock', lock.join(',')); }
    if (byId('share-present').checked) { query.set('present', '1'); }
    return query;
  }

  // qrImage returns the QR code's image, made on first use so that the page has no image
  // without a source.
  function qrImage() {
    var img = byId('share-qr');
    if (!img) {
      img = document.createElement('img');
      img.id = 'share-qr';
      img.className = 'share-qr';
      img.alt = text.cls_share_qr_alt;
      img.width = 320;
      img.height = 320;
      byId('share-qr-box').appendChild(img);
    }
    return img;
  }

  function updateShare() {
    var id = ++shareRequest;
    fetch('/api/share?' + shareQuery().toString(), { headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('status ' + r.status); } return r.json(); })
      .then(function (data) {
        if (id !== shareRequest) { return; }
        byId('share-link').textContent = data.link;
        qrImage().src = data.qr;
        byId('share-status').textContent = '';
      })
      .catch(function () { byId('share-status').textContent = text.cls_qr_failed; });
  }

  // openShare starts the dialog from the link on screen, with its hidden and locked controls.
  function openShare() {
    var query = new URLSearchParams(location.search);
    var hide = (query.get('hide') || '').split(',');
    var lock = (query.get('lock') || '').split(',');
    var rows = document.querySelectorAll('#share-dialog tr[data-control]');
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i].getAttribute('data-control');
      var mode = hide.indexOf(name) >= 0 ? 'hide' : (lock.indexOf(name) >= 0 ? 'lock' : 'show');
      rows[i].querySelector('input[value="' + mode + '"]').checked = true;
    }
    byId('share-present').checked = query.get('present') === '1';
    byId('share-link').textContent = '';
    updateShare();
    openDialog('share-dialog');
  }

  function copyShareLink() {
    var link = byId('share-link').textContent;
    var status = byId('share-status');
    var done = function () { status.textContent = text.cls_copied; };
    var fallback = function () {
      // Outside a secure context there is no clipboard API; select the link so the copy
      // command, or the user, can copy it.
      var range = document.createRange();
      range.selectNodeContents(byId('share-link'));
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var copied = false;
      try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
      status.textContent = copied ? text.cls_copied : text.cls_copy_failed;
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(done, fallback);
    } else {
      fallback();
    }
  }

  // ---- exports ----

  function fileStem(figure) {
    var stem = 'focal-lab-' + figure + '_a' + param('alpha') + '_g' + param('gamma') + '_r' + param('ratio') + '_s' + param('seed');
    var step = new URLSearchParams(location.search).get('step');
    return step && step !== '0' ? stem + '_step' + step : stem;
  }

  function downloadPNG(id) {
    var url = window.focalLab.charts[id].getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' });
    var link = document.createElement('a');
    link.href = url;
    link.download = fileStem(figureNames[id]) + '.png';
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  // The download links carry the link as the page was served; point them at the current one.
  function refreshExportLink(event) {
    var link = event.currentTarget;
    link.href = link.pathname + location.search;
  }

  // ---- data tables ----

  function cell(tag, value) {
    var el = document.createElement(tag);
    el.textContent = value === undefined || value === null ? '' : String(value);
    if (tag === 'th') { el.scope = 'col'; }
    return el;
  }

  function table(caption, header, rows) {
    var t = document.createElement('table');
    t.createCaption().textContent = caption;
    var head = t.createTHead().insertRow();
    header.forEach(function (h) { head.appendChild(cell('th', h)); });
    var body = t.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      r.forEach(function (v, i) {
        var c = cell(i === 0 ? 'th' : 'td', v);
        if (i === 0) { c.scope = 'row'; }
        tr.appendChild(c);
      });
    });
    return t;
  }

  function pointOf(d) { return d && d.value !== undefined ? d.value : d; }

  function titleOf(option) {
    var title = asArray(option.title)[0];
    return title && title.text ? title.text : '';
  }

  // lineTable lists every series of a line chart against its x values.
  function lineTable(id, option) {
    var series = asArray(option.series);
    var xs = [];
    var columns = series.map(function (s) {
      var byX = {};
      (s.data || []).forEach(function (d) {
        var p = pointOf(d);
        if (xs.indexOf(p[0]) < 0) { xs.push(p[0]); }
        byX[p[0]] = p[1];
      });
      return byX;
    });
    xs.sort(function (a, b) { return a - b; });
    var first = id === 'chart-train' ? text.cls_table_step : text.cls_table_pt;
    var rows = xs.map(function (x) { return [x].concat(columns.map(function (c) { return c[x]; })); });
    return [table(format(text.cls_table_caption, { title: titleOf(option) }), [first].concat(series.map(function (s) { return s.name; })), rows)];
  }

  // haystackTables lists the points drawn per series and both models' scores on every
  // 5th heatmap cell in each direction.
  function haystackTables(option) {
    var series = asArray(option.series);
    var counts = series.slice(2).map(function (s) { return [s.name, (s.data || []).length]; });
    var labels = asArray(option.xAxis)[0].data || [];
    var heat = [series[0], series[1]].map(function (s) {
      var byCell = {};
      (s.data || []).forEach(function (d) { var p = pointOf(d); byCell[p[0] + ',' + p[1]] = p[2]; });
      return byCell;
    });
    var rows = [];
    for (var row = 2; row < labels.length; row += 5) {
      for (var col = 2; col < labels.length; col += 5) {
        rows.push([labels[col], labels[row], heat[0][col + ',' + row], heat[1][col + ',' + row]]);
      }
    }
    return [
      table(text.cls_table_points, [text.cls_table_series, text.cls_table_count], counts),
      table(text.cls_table_heat_caption, [text.cls_table_x, text.cls_table_y, series[0].name, series[1].name], rows)
    ];
  }

  function fillTable(id) {
    var details = document.querySelector('details[data-chart="' + id + '"]');
    if (!details || !details.open) { return; }
    var option = window.focalLab.charts[id].getOption();
    var tables = id === 'chart-haystack' ? haystackTables(option) : lineTable(id, option);
    var wrap = details.querySelector('.table-wrap');
    wrap.replaceChildren.apply(wrap, tables);
  }

  // Tables and descriptions follow the charts at most twice a second, so a fast stream
  // does not rebuild them on every frame.
  var pending = {};
  var pendingTimer = null;

  function onChartsUpdated(event) {
    event.detail.charts.forEach(function (id) { if (window.focalLab.charts[id]) { pending[id] = true; } });
    if (pendingTimer !== null) { return; }
    pendingTimer = window.setTimeout(function () {
      pendingTimer = null;
      Object.keys(pending).forEach(function (id) {
        fillTable(id);
        if (id === 'chart-train') { window.focalLab.charts[id].setOption({ aria: { label: { description: describe(id) } } }); }
      });
      pending = {};
    }, 500);
  }

  function addChartTools() {
    Object.keys(window.focalLab.charts).forEach(function (id) {
      var figure = byId(id).parentNode;
      var tools = document.createElement('div');
      tools.className = 'chart-tools';

      var png = document.createElement('button');
      png.type = 'button';
      png.className = 'png-button';
      png.id = 'png-' + id;
      png.textContent = text.cls_png;
      png.setAttribute('aria-label', text.cls_png_label);
      png.title = text.cls_png_label;
      png.addEventListener('click', function () { downloadPNG(id); });

      var details = document.createElement('details');
      details.className = 'data-table';
      details.setAttribute('data-chart', id);
      var summary = document.createElement('summary');
      summary.textContent = text.cls_table;
      var wrap = document.createElement('div');
      wrap.className = 'table-wrap';
      // The table scrolls inside its box, so the box takes focus for keyboard scrolling.
      wrap.tabIndex = 0;
      wrap.setAttribute('role', 'region');
      wrap.setAttribute('aria-label', text.cls_table);
      details.appendChild(summary);
      details.appendChild(wrap);
      details.addEventListener('toggle', function () { fillTable(id); });

      tools.appendChild(png);
      tools.appendChild(details);
      figure.appendChild(tools);
    });
  }

  // ---- print ----

  // Charts are drawn at screen width. Before printing they are redrawn at the width of an
  // A4 or Letter page, and afterwards at the screen's width again.
  function resizeForPrint(toPaper) {
    printing = toPaper;
    Object.keys(window.focalLab.charts).forEach(function (id) {
      var chart = window.focalLab.charts[id];
      restyle(id);
      if (toPaper) {
        chart.resize({ width: 680, height: id === 'chart-train' || id === 'chart-haystack' ? 420 : 320 });
      } else {
        chart.resize();
      }
    });
  }

  // ---- wiring ----

  function bind() {
    var status = document.createElement('div');
    status.id = 'classroom-status';
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    document.body.appendChild(status);
    var toast = document.createElement('div');
    toast.id = 'classroom-toast';
    toast.className = 'toast';
    toast.hidden = true;
    toast.setAttribute('aria-hidden', 'true');
    document.body.appendChild(toast);

    document.addEventListener('keydown', onKey);
    document.addEventListener('focallab:update', onChartsUpdated);
    addChartTools();

    var on = function (id, type, handler) { var el = byId(id); if (el) { el.addEventListener(type, handler); } };
    on('btn-present', 'click', function () { setPresenter(!root.classList.contains('presenting')); });
    on('btn-more', 'click', function () { showSecondary(!root.classList.contains('show-secondary')); });
    on('btn-help', 'click', function () { openDialog('help-dialog'); });
    on('btn-share', 'click', openShare);
    on('share-copy', 'click', copyShareLink);
    on('share-present', 'change', updateShare);
    on('in-speed', 'input', function (e) { e.target.setAttribute('aria-valuetext', format(text.cls_speed_valuetext, { value: e.target.value })); });
    var radios = document.querySelectorAll('#share-dialog input[type=radio]');
    for (var i = 0; i < radios.length; i++) { radios[i].addEventListener('change', updateShare); }
    var closers = document.querySelectorAll('dialog .dialog-close');
    for (var j = 0; j < closers.length; j++) {
      closers[j].addEventListener('click', function (e) { e.target.closest('dialog').close(); });
    }
    var exports = document.querySelectorAll('a[data-export]');
    for (var k = 0; k < exports.length; k++) { exports[k].addEventListener('click', refreshExportLink); }

    narrowScreen.addEventListener('change', restyleAll);
    reducedMotion.addEventListener('change', restyleAll);
    window.addEventListener('beforeprint', function () { resizeForPrint(true); });
    window.addEventListener('afterprint', function () { resizeForPrint(false); });
    document.addEventListener('fullscreenchange', function () { window.requestAnimationFrame(restyleAll); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!window.focalLab) { return; } // app.js failed to start; the page has no charts to add to
    bind();
  });
})();
