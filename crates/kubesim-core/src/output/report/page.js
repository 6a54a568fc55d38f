(function () {
  var errors = document.getElementById('render-errors');
  function fail(msg) { var li = document.createElement('li'); li.textContent = msg; errors.appendChild(li); }
  window.addEventListener('error', function (e) { fail(String(e.message)); });
  var consoleError = console.error;
  console.error = function () { fail(Array.prototype.join.call(arguments, ' ')); consoleError.apply(console, arguments); };
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  // Pod records: [name, owner, revision, node, created, scheduled, started, ready,
  // terminating, finished, deleted, phase, reason, restart times, containers, image].
  var P = { name: 0, owner: 1, rev: 2, node: 3, created: 4, scheduled: 5, started: 6, ready: 7,
    terminating: 8, finished: 9, deleted: 10, phase: 11, reason: 12, restarts: 13, containers: 14, image: 15 };
  try {
    var data = JSON.parse(document.getElementById('data').textContent);
    var replay = data.replay;
    var palette = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];
    function color(rev) { return rev > 0 ? palette[(rev - 1) % palette.length] : '#888888'; }
    var markColors = { kubectl: '#1f5fbf', fault: '#c62828', recover: '#2e7d32', node: '#ef6c00' };
    // Moving to a moment of the run: the replay's seek, set once the replay is built.
    var seekTo = function () {};

    // Pods per node.
    var canvas = document.getElementById('timeline');
    var rowH = 18, left = 110, right = 10, top = 10, axis = 24;
    var n = data.nodes.length;
    var lanes = [];
    // Pods that overlap on a node go in separate lanes.
    var byNode = data.nodes.map(function () { return []; });
    data.pods.forEach(function (p) { byNode[p[0]].push(p); });
    var laneOf = [], nodeTop = [], y = top;
    byNode.forEach(function (pods, i) {
      pods.sort(function (a, b) { return a[1] - b[1]; });
      var ends = [];
      pods.forEach(function (p) {
        var lane = ends.findIndex(function (e) { return e <= p[1]; });
        if (lane < 0) { lane = ends.length; ends.push(0); }
        ends[lane] = p[2];
        p.lane = lane;
      });
      nodeTop.push(y);
      lanes.push(Math.max(1, ends.length));
      y += Math.max(1, Math.min(ends.length, 12)) * 8 + 10;
    });
    canvas.height = y + axis;
    var ctx = canvas.getContext('2d');
    var width = canvas.width - left - right;
    function x(t) { return left + (data.end > 0 ? t / data.end : 0) * width; }
    ctx.font = '12px sans-serif';
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    data.down.forEach(function (d) {
      var h = Math.min(lanes[d[0]], 12) * 8 + 6;
      ctx.fillStyle = 'rgba(213,0,0,0.15)';
      ctx.fillRect(x(d[1]), nodeTop[d[0]] - 2, Math.max(1, x(d[2]) - x(d[1])), h);
    });
    var revisions = {};
    byNode.forEach(function (pods, i) {
      ctx.fillStyle = '#333';
      ctx.fillText(data.nodes[i], 4, nodeTop[i] + 9);
      var laneH = lanes[i] > 12 ? 96 / lanes[i] : 8;
      pods.forEach(function (p) {
        var y0 = nodeTop[i] + p.lane * laneH, h = Math.max(1, laneH - 1);
        var x0 = x(p[1]), x1 = x(p[4] !== null ? p[4] : p[2]);
        revisions[p[3]] = true;
        ctx.fillStyle = color(p[3]);
        ctx.fillRect(x0, y0, Math.max(1, x1 - x0), h);
        if (p[4] !== null) {
          ctx.globalAlpha = 0.35;
          ctx.fillRect(x1, y0, Math.max(1, x(p[2]) - x1), h);
          ctx.globalAlpha = 1;
        }
        if (p[5] > 0) { ctx.strokeStyle = '#d50000'; ctx.strokeRect(x0, y0, Math.max(1, x(p[2]) - x0), h); }
      });
    });
    // The timeline's commands and faults, as dotted lines across the nodes.
    replay.marks.forEach(function (m) {
      ctx.strokeStyle = markColors[m[1]] || '#555';
      ctx.setLineDash([2, 3]);
      ctx.beginPath(); ctx.moveTo(x(m[0]) + 0.5, top - 6); ctx.lineTo(x(m[0]) + 0.5, y); ctx.stroke();
      ctx.setLineDash([]);
    });
    ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
    ctx.fillStyle = '#333';
    for (var k = 0; k <= 10; k++) {
      var t = data.end * k / 10;
      ctx.fillText(t.toFixed(0) + 's', x(t) - 10, y + 16);
    }
    var legend = document.getElementById('timeline-legend');
    Object.keys(revisions).sort(function (a, b) { return a - b; }).forEach(function (r) {
      var s = document.createElement('span');
      var i = document.createElement('i');
      i.style.background = color(Number(r));
      s.appendChild(i);
      s.appendChild(document.createTextNode(Number(r) > 0 ? 'revision ' + r : 'no revision'));
      legend.appendChild(s);
    });

    // Events: filtered, a page at a time.
    var tbody = document.querySelector('#events tbody');
    var objectInput = document.getElementById('f-object');
    var reasonSelect = document.getElementById('f-reason');
    var count = document.getElementById('f-count');
    var more = document.getElementById('more');
    var reasons = {};
    data.events.forEach(function (e) { reasons[e[2]] = true; });
    Object.keys(reasons).sort().forEach(function (r) {
      var o = document.createElement('option'); o.value = r; o.textContent = r; reasonSelect.appendChild(o);
    });
    var shown = 0, matches = [];
    function row(e) {
      var tr = document.createElement('tr');
      if (e[1] === 1) tr.className = 'warning';
      [e[0].toFixed(3), e[1] === 1 ? 'Warning' : 'Normal', e[2], e[3], e[4]].forEach(function (v) {
        var td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
      });
      tr.firstChild.className = 'when';
      tr.firstChild.title = 'see the cluster at this moment';
      tr.firstChild.addEventListener('click', function () { seekTo(e[0], true); });
      return tr;
    }
    function page() {
      var frag = document.createDocumentFragment();
      var stop = Math.min(matches.length, shown + 200);
      for (; shown < stop; shown++) frag.appendChild(row(matches[shown]));
      tbody.appendChild(frag);
      more.hidden = shown >= matches.length;
      var total = data.events_total > data.events.length ? ' on this page; ' + data.events_total + ' in events.csv' : '';
      count.textContent = 'showing ' + shown + ' of ' + matches.length + ' events' + total;
    }
    function filter() {
      var o = objectInput.value.trim(), r = reasonSelect.value;
      matches = data.events.filter(function (e) { return (!o || e[3].indexOf(o) >= 0) && (!r || e[2] === r); });
      tbody.textContent = ''; shown = 0; page();
    }
    objectInput.addEventListener('input', filter);
    reasonSelect.addEventListener('change', filter);
    more.addEventListener('click', page);
    filter();

    buildReplay();
    buildChartMarks();
    buildNarration();
    document.getElementById('render-status').textContent = 'ok';
  } catch (e) {
    fail(String(e && e.stack || e));
    document.getElementById('render-status').textContent = 'failed';
  }

  // kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration), as kubesim's printers
  // write AGE (metrics/watch.rs human_duration).
  function age(seconds) {
    var s = Math.floor(seconds);
    if (s < 120) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 10) return s % 60 === 0 ? m + 'm' : m + 'm' + (s % 60) + 's';
    if (m < 180) return m + 'm';
    var h = Math.floor(m / 60);
    if (h < 8) return m % 60 === 0 ? h + 'h' : h + 'h' + (m % 60) + 'm';
    if (h < 48) return h + 'h';
    if (h < 24 * 8) return h % 24 === 0 ? Math.floor(h / 24) + 'd' : Math.floor(h / 24) + 'd' + (h % 24) + 'h';
    if (h < 24 * 365 * 2) return Math.floor(h / 24) + 'd';
    var y = Math.floor(h / 24 / 365), d = Math.floor(h / 24) % 365;
    if (h < 24 * 365 * 8) return d === 0 ? y + 'y' : y + 'y' + d + 'd';
    return y + 'y';
  }
  function clock(t) {
    var ms = Math.round(t * 1000), h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60;
    var s = Math.floor(ms / 1000) % 60, f = ms % 1000;
    var pad = function (v, w) { v = String(v); while (v.length < w) v = '0' + v; return v; };
    return (h > 0 ? h + ':' + pad(m, 2) : m) + ':' + pad(s, 2) + '.' + pad(f, 3);
  }
  function pad(text, w) { text = String(text); while (text.length < w) text += ' '; return text; }

  function at(v, t) { return v !== null && v <= t; }

  /// The replay: the scrubber, the cluster at the chosen time, `kubectl get pods`, and the
  /// life of what is clicked.
  function buildReplay() {
    var end = data.end;
    var scrub = document.getElementById('r-scrub');
    var timeLabel = document.getElementById('r-time');
    var cluster = document.getElementById('r-cluster');
    var kubectl = document.getElementById('r-kubectl');
    var detail = document.getElementById('r-detail');
    var playButton = document.getElementById('r-play');
    var speed = document.getElementById('r-speed');
    scrub.max = String(Math.round(end * 1000));
    var pods = replay.pods, nodes = replay.nodes;
    // An owner's hue; each newer revision a lighter shade of it.
    function ownerHue(o) { return o < 0 ? null : Math.round((o * 137.508 + 210) % 360); }
    function chipColor(p) {
      var hue = ownerHue(p[P.owner]);
      if (hue === null) return '#777';
      var light = 32 + ((Math.max(1, p[P.rev]) - 1) % 4) * 14;
      return 'hsl(' + hue + ',65%,' + light + '%)';
    }
    // Each node's changes, in time order: [time, change, detail].
    var nodeChanges = nodes.map(function () { return []; });
    replay.node_changes.forEach(function (c) { nodeChanges[c[1]].push([c[0], c[2], c[3]]); });
    function nodeState(i, t) {
      // A node a pool added is not there before it registered.
      var added = nodeChanges[i].some(function (c) { return c[1] === 'added'; });
      var s = { ready: true, cordoned: false, taints: nodes[i][1], present: !added };
      nodeChanges[i].forEach(function (c) {
        if (c[0] > t) return;
        if (c[1] === 'added') s.present = true;
        else if (c[1] === 'removed') s.present = false;
        else if (c[1] === 'NotReady') s.ready = false;
        else if (c[1] === 'Ready') s.ready = true;
        else if (c[1] === 'cordon') s.cordoned = true;
        else if (c[1] === 'uncordon') s.cordoned = false;
        else if (c[1] === 'taints') s.taints = c[2];
      });
      // While NotReady the node lifecycle controller keeps its unreachable taints on the node
      // (controllers/node_lifecycle.rs; the NoExecute one once its zone's eviction rate allows).
      if (!s.ready) s.taints = s.taints.concat(['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
      return s;
    }
    // kubectl's STATUS column at t (printers.go printPod, as far as the replay knows it).
    function status(p, t) {
      if (at(p[P.terminating], t)) return 'Terminating';
      if (at(p[P.finished], t)) return p[P.phase] === 'Succeeded' ? 'Completed' : (p[P.reason] || 'Error');
      if (at(p[P.started], t)) return 'Running';
      if (at(p[P.scheduled], t)) return 'ContainerCreating';
      return 'Pending';
    }
    function isReady(p, t, down) {
      return at(p[P.ready], t) && !at(p[P.finished], t) && !down;
    }
    function restartsAt(p, t) { return p[P.restarts].filter(function (r) { return r <= t; }).length; }
    function exists(p, t) { return p[P.created] <= t && !at(p[P.deleted], t); }
    // Every change, for the step buttons.
    var changes = [0, end];
    pods.forEach(function (p) {
      [P.created, P.scheduled, P.started, P.ready, P.terminating, P.finished, P.deleted].forEach(function (k) {
        if (p[k] !== null) changes.push(p[k]);
      });
      p[P.restarts].forEach(function (r) { changes.push(r); });
    });
    replay.node_changes.forEach(function (c) { changes.push(c[0]); });
    replay.services.forEach(function (s) { for (var i = 0; i < s[1].length; i += 2) changes.push(s[1][i]); });
    replay.marks.forEach(function (m) { changes.push(m[0]); });
    changes.sort(function (a, b) { return a - b; });
    changes = changes.filter(function (c, i) { return i === 0 || c !== changes[i - 1]; });

    // The legend: one swatch per owner and revision that has pods.
    var legend = document.getElementById('r-legend');
    var seen = {}, swatches = [];
    pods.forEach(function (p) {
      var key = p[P.owner] + '/' + p[P.rev];
      if (seen[key]) return;
      seen[key] = true;
      var s = el('span', 'owner');
      var i = el('i'); i.style.background = chipColor(p); s.appendChild(i);
      var owner = p[P.owner] >= 0 ? replay.owners[p[P.owner]] : 'no owner';
      s.appendChild(document.createTextNode(owner + (p[P.rev] > 0 ? ' rev ' + p[P.rev] : '')));
      if (p[P.owner] >= 0) {
        s.className = 'owner clickable';
        s.addEventListener('click', function () { select('owner', p[P.owner]); });
      }
      swatches.push(s);
    });
    // A large run's hundreds of owners fold away, to be opened on demand.
    var owners = legend;
    if (swatches.length > 24) {
      owners = el('details', 'many');
      owners.appendChild(el('summary', null, swatches.length + ' owners and revisions (colours; click one to see its life)'));
      legend.appendChild(owners);
    }
    swatches.forEach(function (s) { owners.appendChild(s); });

    // What a chip's shape says.
    var shapes = el('span', 'shapes');
    [['', 'Ready'], ['notready', 'running, not Ready'], ['creating', 'being created'], ['pending', 'waiting for a node'],
      ['terminating', 'terminating'], ['done', 'finished'], ['restarted', 'restarted']].forEach(function (k) {
      var s = el('span');
      var c = el('span', 'chip ' + k[0]);
      c.style.setProperty('--c', '#555');
      s.appendChild(c);
      s.appendChild(document.createTextNode(' ' + k[1]));
      shapes.appendChild(s);
    });
    legend.appendChild(shapes);
    var kinds = {};
    replay.marks.forEach(function (m) { kinds[m[1]] = true; });
    var markKey = el('span', 'shapes');
    [['kubectl', 'kubectl command'], ['fault', 'fault'], ['recover', 'recovery'], ['node', 'node NotReady']].forEach(function (k) {
      if (!kinds[k[0]]) return;
      var s = el('span');
      s.appendChild(el('i', 'm-' + k[0]));
      s.appendChild(document.createTextNode(k[1]));
      markKey.appendChild(s);
    });
    if (markKey.childNodes.length) legend.appendChild(markKey);

    var selected = null;
    var current = 0;
    var servicesOpen = false;
    function chip(p, t, down) {
      var c = el('span', 'chip');
      var st = status(p, t);
      var ready = isReady(p, t, down);
      c.style.setProperty('--c', chipColor(p));
      if (st === 'Pending') c.className += ' pending';
      else if (st === 'ContainerCreating') c.className += ' creating';
      else if (st === 'Terminating') c.className += ' terminating';
      else if (st === 'Completed' || at(p[P.finished], t)) c.className += ' done';
      else if (!ready) c.className += ' notready';
      if (restartsAt(p, t) > 0) c.className += ' restarted';
      if (selected && selected.kind === 'pod' && selected.id === p[P.name]) c.className += ' selected';
      c.title = p[P.name] + ' — ' + st + (ready ? ', Ready' : ', not Ready') +
        (p[P.owner] >= 0 ? ' — ' + replay.owners[p[P.owner]] : '') + (p[P.rev] > 0 ? ' rev ' + p[P.rev] : '');
      c.dataset.pod = p[P.name];
      c.addEventListener('click', function (ev) { ev.stopPropagation(); select('pod', p[P.name]); });
      return c;
    }
    function render(t) {
      current = t;
      scrub.value = String(Math.round(t * 1000));
      timeLabel.textContent = clock(t) + ' of ' + clock(end) + ' (virtual time)';
      var states = nodes.map(function (_, i) { return nodeState(i, t); });
      var onNode = nodes.map(function () { return []; });
      var waiting = [];
      var rows = [];
      pods.forEach(function (p) {
        if (!exists(p, t)) return;
        var node = p[P.node];
        var down = node >= 0 && !states[node].ready;
        if (node >= 0 && at(p[P.scheduled], t)) onNode[node].push(p); else waiting.push(p);
        rows.push(p);
      });
      var frag = document.createDocumentFragment();
      // Pods that wait for a node.
      var pend = el('div', 'node waiting');
      pend.appendChild(el('div', 'node-name', 'not scheduled (' + waiting.length + ')'));
      var pchips = el('div', 'chips');
      waiting.forEach(function (p) { pchips.appendChild(chip(p, t, false)); });
      pend.appendChild(pchips);
      frag.appendChild(pend);
      nodes.forEach(function (nd, i) {
        var s = states[i];
        if (!s.present) return;
        var box = el('div', 'node' + (s.ready ? '' : ' notready') + (s.cordoned ? ' cordoned' : '') +
          (s.taints.length ? ' tainted' : '') + (selected && selected.kind === 'node' && selected.id === i ? ' selected' : ''));
        box.dataset.node = nd[0];
        var head = el('div', 'node-name', nd[0]);
        head.appendChild(el('span', 'badge ' + (s.ready ? 'ok' : 'bad'), s.ready ? 'Ready' : 'NotReady'));
        if (s.cordoned) head.appendChild(el('span', 'badge warn', 'SchedulingDisabled'));
        if (s.taints.length) {
          var b = el('span', 'badge taint', s.taints.length + (s.taints.length > 1 ? ' taints' : ' taint'));
          b.title = s.taints.join('\n');
          head.appendChild(b);
        }
        head.appendChild(el('span', 'count', onNode[i].length + (onNode[i].length === 1 ? ' pod' : ' pods')));
        box.appendChild(head);
        var chips = el('div', 'chips');
        onNode[i].forEach(function (p) { chips.appendChild(chip(p, t, !s.ready)); });
        box.appendChild(chips);
        box.addEventListener('click', function () { select('node', i); });
        frag.appendChild(box);
      });
      // Services and their ready endpoints.
      if (replay.services.length) {
        var svc = el('div', 'services');
        svc.appendChild(el('div', 'node-name', 'Services (ready endpoints)'));
        // Many Services: those without an endpoint stay in sight, the others fold away.
        var many = replay.services.length > 24;
        var fold = many ? el('details', 'many') : svc;
        var empty = 0;
        replay.services.forEach(function (s, i) {
          var count = 0;
          for (var k = 0; k < s[1].length && s[1][k] <= t; k += 2) count = s[1][k + 1];
          if (count === 0) empty++;
          var b = el('span', 'svc' + (count === 0 ? ' empty' : '') +
            (selected && selected.kind === 'service' && selected.id === i ? ' selected' : ''), 'service/' + s[0] + ': ' + count);
          b.dataset.service = s[0];
          b.dataset.endpoints = String(count);
          b.addEventListener('click', function () { select('service', i); });
          (count === 0 || !many ? svc : fold).appendChild(b);
        });
        if (many) {
          fold.open = servicesOpen;
          fold.addEventListener('toggle', function () { servicesOpen = fold.open; });
          fold.insertBefore(el('summary', null, (replay.services.length - empty) + ' Services with endpoints' +
            (empty ? ' (' + empty + ' without, shown in red)' : '')), fold.firstChild);
          svc.appendChild(fold);
        }
        frag.appendChild(svc);
      }
      cluster.textContent = '';
      cluster.appendChild(frag);
      // kubectl get pods: NAME READY STATUS RESTARTS AGE, in name order as kubectl sorts.
      rows.sort(function (a, b) { return a[P.name] < b[P.name] ? -1 : a[P.name] > b[P.name] ? 1 : 0; });
      if (!rows.length) {
        kubectl.textContent = 'No resources found in default namespace.';
      } else {
        var cells = rows.slice(0, 300).map(function (p) {
          var node = p[P.node];
          var down = node >= 0 && !states[node].ready;
          var r = restartsAt(p, t);
          var last = r > 0 ? ' (' + age(t - p[P.restarts][r - 1]) + ' ago)' : '';
          return [p[P.name], (isReady(p, t, down) ? p[P.containers] : 0) + '/' + p[P.containers], status(p, t), r + last, age(t - p[P.created])];
        });
        var head = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
        var widths = head.map(function (h, c) {
          return cells.reduce(function (w, row) { return Math.max(w, row[c].length); }, h.length);
        });
        var pre = document.createDocumentFragment();
        pre.appendChild(document.createTextNode(head.map(function (h, c) { return pad(h, widths[c] + 3); }).join('').trimEnd() + '\n'));
        cells.forEach(function (row) {
          var line = el('span', 'pod-line' + (selected && selected.kind === 'pod' && selected.id === row[0] ? ' selected' : ''),
            row.map(function (v, c) { return pad(v, widths[c] + 3); }).join('').trimEnd() + '\n');
          line.addEventListener('click', function () { select('pod', row[0]); });
          pre.appendChild(line);
        });
        if (rows.length > 300) pre.appendChild(document.createTextNode('... and ' + (rows.length - 300) + ' more pods\n'));
        kubectl.textContent = '';
        kubectl.appendChild(pre);
      }
    }
    // The marks on the scrubber's track.
    var marks = document.getElementById('r-marks');
    replay.marks.forEach(function (m) {
      var mk = el('span', 'mark m-' + m[1]);
      mk.style.left = (end > 0 ? m[0] / end * 100 : 0) + '%';
      mk.title = clock(m[0]) + ' ' + m[2];
      mk.addEventListener('click', function () { seek(m[0]); });
      marks.appendChild(mk);
    });

    // The life of what is clicked: its changes, its events and its narration; the events
    // table below is filtered to it.
    function lifeList(items) {
      var ol = el('ol', 'life');
      items.sort(function (a, b) { return a[0] - b[0]; });
      items.forEach(function (it) {
        var li = el('li', it[2] || '');
        var when = el('a', 'when', clock(it[0]));
        when.href = '#replay';
        when.addEventListener('click', function (ev) { ev.preventDefault(); seek(it[0]); });
        li.appendChild(when);
        li.appendChild(document.createTextNode(' ' + it[1]));
        ol.appendChild(li);
      });
      return ol;
    }
    function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }
    function eventsAbout(test) {
      return data.events.filter(function (e) { return test(e[3]); }).map(function (e) {
        return [e[0], e[2] + ' ' + e[3] + ': ' + e[4], e[1] === 1 ? 'warning' : 'event'];
      });
    }
    function narrationAbout(objects, word) {
      if (!replay.narration) return [];
      var re = word ? new RegExp('(^|[^A-Za-z0-9-])' + escapeRe(word) + '($|[^A-Za-z0-9-])') : null;
      return replay.narration.filter(function (l) {
        return l[2].some(function (a) { return objects(a); }) || (re && re.test(l[1]));
      }).map(function (l) { return [l[0], l[1], 'narration']; });
    }
    function select(kind, id) {
      selected = { kind: kind, id: id };
      var title, filterText, facts = [], items = [];
      if (kind === 'pod') {
        var p = pods.filter(function (q) { return q[P.name] === id; })[0];
        if (!p) return;
        var nodeName = p[P.node] >= 0 ? nodes[p[P.node]][0] : null;
        title = 'pod/' + id;
        filterText = 'pod/' + id;
        facts.push(p[P.owner] >= 0 ? 'owner ' + replay.owners[p[P.owner]] : 'no owner');
        if (p[P.rev] > 0) facts.push('revision ' + p[P.rev]);
        if (p[P.image]) facts.push('image ' + p[P.image]);
        facts.push(nodeName ? 'node ' + nodeName : 'never scheduled');
        items.push([p[P.created], 'created', 'change']);
        if (p[P.scheduled] !== null) items.push([p[P.scheduled], 'bound to ' + (nodeName || 'a node'), 'change']);
        if (p[P.started] !== null) items.push([p[P.started], 'containers started: Running', 'change']);
        if (p[P.ready] !== null) items.push([p[P.ready], 'Ready (first time)', 'change']);
        p[P.restarts].forEach(function (r, i) { items.push([r, 'restart ' + (i + 1), 'change']); });
        if (p[P.terminating] !== null) items.push([p[P.terminating], 'Terminating (deletion asked)', 'change']);
        if (p[P.finished] !== null) items.push([p[P.finished], 'containers stopped: ' + p[P.phase], 'change']);
        if (p[P.deleted] !== null) items.push([p[P.deleted], 'deleted', 'change']);
        items = items.concat(eventsAbout(function (o) { return o === 'pod/' + id; }));
        items = items.concat(narrationAbout(function (a) { return a === 'pod/' + id; }, id));
      } else if (kind === 'node') {
        var name = nodes[id][0];
        title = 'node/' + name;
        filterText = 'node/' + name;
        var ran = pods.filter(function (q) { return q[P.node] === id; }).length;
        facts.push(ran + ' pods ran here (in this page)');
        if (nodes[id][1].length) facts.push('taints at the start: ' + nodes[id][1].join(', '));
        nodeChanges[id].forEach(function (c) {
          items.push([c[0], c[1] === 'taints' ? 'taints now: ' + (c[2].length ? c[2].join(', ') : 'none') : c[1], 'change']);
        });
        items = items.concat(eventsAbout(function (o) { return o === 'node/' + name; }));
        items = items.concat(narrationAbout(function (a) { return a === 'node/' + name; }, name));
      } else if (kind === 'owner') {
        var owner = replay.owners[id];
        var short = owner.slice(owner.indexOf('/') + 1);
        title = owner;
        filterText = short;
        var mine = pods.filter(function (q) { return q[P.owner] === id; });
        facts.push(mine.length + ' pods (in this page)');
        var revs = {};
        mine.forEach(function (q) { revs[q[P.rev]] = true; });
        facts.push('revisions ' + Object.keys(revs).join(', '));
        var prefix = short + '-';
        items = items.concat(eventsAbout(function (o) {
          return o === owner || o === 'replicaset/' + short || o.indexOf('replicaset/' + prefix) === 0;
        }));
        items = items.concat(narrationAbout(function (a) {
          return a === owner || a.indexOf('replicaset/' + prefix) === 0;
        }, null));
      } else if (kind === 'service') {
        var s = replay.services[id];
        title = 'service/' + s[0];
        filterText = 'service/' + s[0];
        for (var k = 0; k < s[1].length; k += 2) {
          items.push([s[1][k], s[1][k + 1] + ' ready endpoints (sampled)', 'change']);
        }
        items = items.concat(eventsAbout(function (o) { return o === 'service/' + s[0]; }));
        items = items.concat(narrationAbout(function (a) { return a === 'service/' + s[0]; }, null));
      }
      detail.hidden = false;
      detail.textContent = '';
      var close = el('button', 'close', '×');
      close.title = 'close';
      close.addEventListener('click', function () {
        selected = null; detail.hidden = true; eventsFilter().value = ''; eventsFilter().dispatchEvent(new Event('input')); render(current);
      });
      detail.appendChild(close);
      detail.appendChild(el('h3', null, 'The life of ' + title));
      detail.appendChild(el('p', 'facts', facts.join(' · ')));
      var notes = [];
      if (!replay.narration) notes.push('no narration: the run was made without --narrate');
      if (data.events_total > data.events.length) notes.push('only the events this page holds (events.csv has them all)');
      if (notes.length) detail.appendChild(el('p', 'hint', notes.join('; ')));
      var key = el('p', 'key');
      [['change', 'state change'], ['event', 'event'], ['warning', 'Warning event'], ['narration', 'narration: why']].forEach(function (k) {
        key.appendChild(el('span', k[0], k[1]));
      });
      detail.appendChild(key);
      detail.appendChild(lifeList(items));
      var input = eventsFilter();
      input.value = filterText;
      input.dispatchEvent(new Event('input'));
      render(current);
    }
    function eventsFilter() { return document.getElementById('f-object'); }

    function seek(t, scroll) {
      render(Math.max(0, Math.min(end, t)));
      if (scroll) document.getElementById('replay').scrollIntoView({ behavior: 'smooth' });
    }
    seekTo = seek;
    scrub.addEventListener('input', function () { stop(); render(Number(scrub.value) / 1000); });
    document.getElementById('r-step').addEventListener('click', function () {
      stop();
      var next = changes.filter(function (c) { return c > current + 1e-9; })[0];
      seek(next === undefined ? end : next);
    });
    document.getElementById('r-back').addEventListener('click', function () {
      stop();
      var before = changes.filter(function (c) { return c < current - 1e-9; });
      seek(before.length ? before[before.length - 1] : 0);
    });
    var playing = false, last = 0;
    // At most ten frames a second: a large run's view has thousands of chips to redraw.
    function frame(now) {
      if (!playing) return;
      if (now - last >= 100) {
        var t = current + (now - last) / 1000 * Number(speed.value);
        last = now;
        if (t >= end) { render(end); stop(); return; }
        render(t);
      }
      requestAnimationFrame(frame);
    }
    function stop() { playing = false; playButton.textContent = '▶ play'; }
    playButton.addEventListener('click', function () {
      if (playing) { stop(); return; }
      if (current >= end) current = 0;
      playing = true;
      playButton.textContent = '❚❚ pause';
      last = performance.now();
      requestAnimationFrame(frame);
    });
    window.kubesimReplay = { seek: seek, select: select, time: function () { return current; } };
    // The page opens on a cluster that has settled: just before the timeline's first command
    // or fault (or at the end when it has none), rather than on the empty cluster of time 0.
    var first = replay.marks.filter(function (m) { return m[0] > 0; })[0];
    render(first ? Math.max(0, first[0] - 0.001) : end);
  }

  /// Every timeline command and fault over every chart: dotted lines at its time over the
  /// plot area (the charts' plot area: x from 72 to 943 of 960 pixels for 0 to the last
  /// sample, y from 43 to 479 of 540; charts.rs draws them so).
  function buildChartMarks() {
    var marks = replay.marks;
    if (!marks.length) return;
    var frames = document.querySelectorAll('.charts .frame');
    Array.prototype.forEach.call(frames, function (frame) {
      var layer = el('div', 'chart-marks');
      marks.forEach(function (m) {
        if (m[0] > data.chart_end) return;
        var line = el('span', 'cmark m-' + m[1]);
        line.style.left = ((72 + m[0] / data.chart_end * 871) / 960 * 100) + '%';
        line.title = clock(m[0]) + ' ' + m[2];
        line.addEventListener('click', function () { seekTo(m[0], true); });
        layer.appendChild(line);
      });
      frame.appendChild(layer);
    });
  }

  /// The narration, folded by object (its first subject), searchable.
  function buildNarration() {
    var box = document.getElementById('narration');
    if (!box) return;
    var lines = replay.narration || [];
    var groups = [], byKey = {};
    // A line about several objects (a ReplicaSet deleting a pod) is in each one's fold.
    lines.forEach(function (l) {
      (l[2].length ? l[2] : [l[1].split(':')[0]]).forEach(function (key) {
        if (!byKey[key]) { byKey[key] = { key: key, lines: [] }; groups.push(byKey[key]); }
        byKey[key].lines.push(l);
      });
    });
    var order = { deployment: 0, rollout: 0, replicaset: 1, service: 2, node: 3, pod: 4 };
    function rank(k) { var kind = k.split('/')[0]; return kind in order ? order[kind] : 5; }
    groups.sort(function (a, b) { return rank(a.key) - rank(b.key) || a.lines[0][0] - b.lines[0][0]; });
    var parts = groups.map(function (g) {
      var d = el('details', 'fold');
      var summary = el('summary', null, g.key + ' ');
      summary.appendChild(el('span', 'count', '(' + g.lines.length + ')'));
      d.appendChild(summary);
      var ol = el('ol', 'life');
      var items = g.lines.map(function (l) {
        var li = el('li', 'narration');
        var when = el('a', 'when', clock(l[0]));
        when.href = '#replay';
        when.addEventListener('click', function (ev) { ev.preventDefault(); seekTo(l[0], true); });
        li.appendChild(when);
        li.appendChild(document.createTextNode(' ' + l[1]));
        ol.appendChild(li);
        return { li: li, text: (g.key + ' ' + l[1]).toLowerCase() };
      });
      d.appendChild(ol);
      box.appendChild(d);
      return { d: d, items: items };
    });
    var search = document.getElementById('n-search');
    var count = document.getElementById('n-count');
    function apply() {
      var q = search.value.trim().toLowerCase();
      var hits = 0;
      parts.forEach(function (part) {
        var any = 0;
        part.items.forEach(function (it) {
          var hit = !q || it.text.indexOf(q) >= 0;
          it.li.hidden = !hit;
          if (hit) any++;
        });
        hits += any;
        part.d.hidden = any === 0;
        part.d.open = !!q && any > 0;
      });
      count.textContent = q ? hits + ' lines match (a line about several objects counts in each)' : groups.length + ' objects, ' + lines.length + ' lines';
    }
    search.addEventListener('input', apply);
    apply();
  }
})();
