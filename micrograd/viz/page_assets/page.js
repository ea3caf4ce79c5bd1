// Plays a micrograd Walkthrough: the forward pass node by node, then the engine's backward pass.
// All data comes from the JSON element #wt-data; every text goes into the page with textContent.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('wt-data').textContent);
  var nodes = data.nodes;
  var steps = data.steps;
  var root = nodes[data.root];
  var forwardCount = nodes.length;  // one forward step per Value, then one backward step per Value
  var drawing = data.drawing;
  var current = 0;
  var timer = null;
  var PLAY_INTERVAL_MS = 1100;

  var slider = document.getElementById('wt-slider');
  var counter = document.getElementById('wt-counter');
  var panel = document.getElementById('wt-panel');
  var playButton = document.getElementById('wt-play');

  // ---- small DOM helpers: elements with text, never markup ----
  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined) { element.textContent = text; }
    return element;
  }
  function add(parent, tag, className, text) {
    var element = make(tag, className, text);
    parent.appendChild(element);
    return element;
  }
  function line(parent, parts, className) {
    // parts: strings (plain text) or [className, text] (a styled span)
    var p = add(parent, 'p', className || 'line');
    parts.forEach(function (part) {
      if (typeof part === 'string') { p.appendChild(document.createTextNode(part)); }
      else { add(p, 'span', part[0], part[1]); }
    });
    return p;
  }
  function name(i) { return nodes[i].name; }
  function derivative(i) { return 'd ' + root.name + ' / d ' + name(i); }

  // ---- the drawing: element lookups done once; a small graph is shown larger than Graphviz's point size ----
  // Scaled to fill the width, by SCALE_DOWN to SCALE_UP of Graphviz's size: a wider graph scrolls in its box.
  var SCALE_UP = 1.5;
  var SCALE_DOWN = 0.6;
  var graphBox = document.getElementById('wt-graph');
  var svgElement = graphBox.querySelector('svg');
  function fitDrawing() {
    var natural = parseFloat(svgElement.getAttribute('width')) * 4 / 3;  // pt -> px
    var room = graphBox.clientWidth - 24;
    svgElement.style.width = Math.max(natural * SCALE_DOWN, Math.min(room, natural * SCALE_UP)) + 'px';
  }
  if (svgElement) {
    svgElement.removeAttribute('height');
    fitDrawing();
    window.addEventListener('resize', fitDrawing);
  }
  function scrollIntoBox(element) {
    var box = element.getBoundingClientRect();
    var view = graphBox.getBoundingClientRect();
    if (box.left < view.left || box.right > view.right) {
      graphBox.scrollLeft += (box.left + box.right) / 2 - (view.left + view.right) / 2;
    }
    if (box.top < view.top || box.bottom > view.bottom) {
      graphBox.scrollTop += (box.top + box.bottom) / 2 - (view.top + view.bottom) / 2;
    }
  }
  var shapeElements = [];
  var inputElements = [];
  var textElements = [];
  if (drawing) {
    var byId = function (id) { return document.getElementById(id); };
    var present = function (element) { return element !== null; };
    shapeElements = drawing.shapes.map(function (ids) { return ids.map(byId).filter(present); });
    inputElements = drawing.inputs.map(function (ids) { return ids.map(byId).filter(present); });
    drawing.texts.forEach(function (mark) {
      var group = byId(mark[0]);
      if (!group) { return; }
      var texts = group.getElementsByTagName('text');
      var text = texts[texts.length + mark[1]];
      if (text) { textElements.push([text, mark[2]]); }
    });
  } else {
    var note = document.getElementById('wt-note');
    note.hidden = false;
    note.textContent = data.note;
    document.getElementById('wt-graph').hidden = true;
    document.getElementById('wt-legend').hidden = true;
  }

  function stateOf(node, step, index) {
    var when = step.phase === 'forward' ? node.forward : node.backward;
    if (when === index) { return 'current'; }
    if (when < index) { return step.phase === 'forward' ? 'known' : 'done'; }
    return 'pending';
  }

  var previousFlow = [];
  function paintDrawing(step, index) {
    nodes.forEach(function (node, i) {
      var state = stateOf(node, step, index);
      shapeElements[i].forEach(function (element) {
        element.classList.remove('current', 'known', 'done', 'pending', 'flow', 'back');
        element.classList.add(state);
      });
    });
    previousFlow.forEach(function (element) { element.classList.remove('flow', 'back'); });
    previousFlow = inputElements[step.node];
    previousFlow.forEach(function (element) {
      element.classList.add('flow');
      if (step.phase === 'backward') { element.classList.add('back'); }
    });
    textElements.forEach(function (pair) { pair[0].classList.toggle('unrevealed', pair[1] > index); });
    if (shapeElements[step.node].length) { scrollIntoBox(shapeElements[step.node][0]); }
  }

  // ---- the panel: the step in words and numbers ----
  function usesText(node) {
    return node.letters ? ' (' + node.letters.map(function (letter, slot) {
      return letter + ' = ' + name(node.operands[slot]);
    }).join(', ') + ')' : '';
  }

  function showForward(step, box) {
    var node = nodes[step.node];
    if (!node.op) {
      line(box, [['name', node.name], ' = ', ['value', step.value]], 'equation');
      add(box, 'p', 'explain', 'An input: its value is given. The forward pass starts from the inputs.');
      return;
    }
    line(box, [['name', node.name], ' = ' + node.named], 'equation');
    line(box, ['= ' + node.numbers], 'equation');
    line(box, ['= ', ['value', step.value]], 'equation result');
    add(box, 'p', 'explain', 'Computed from its operands' + usesText(node) + ' with the op ' + node.op +
      (node.expression ? ': ' + node.name + ' = ' + node.expression + '.' : '.') +
      ' The forward pass visits every node after its operands.');
  }

  function showReceived(step, node, box) {
    if (step.node === data.root) {
      line(box, [derivative(step.node) + ' = ', ['total', step.value]], 'equation');
      add(box, 'p', 'explain', 'The start of the backward pass: the derivative of the output with respect to itself.');
      return;
    }
    line(box, [derivative(step.node) + ' = ', ['total', step.value]], 'equation');
    var used = node.received.length;
    add(box, 'p', 'explain', used === 1
      ? name(step.node) + ' is used once, so its gradient is what that use sent back:'
      : name(step.node) + ' is used ' + used + ' times, so its gradient is the sum of what each use sent back:');
    var list = add(box, 'ul', 'received');
    node.received.forEach(function (got) {
      var sender = nodes[got[0]];
      var li = add(list, 'li');
      li.appendChild(document.createTextNode('from ' + sender.name + ' (as ' +
        (sender.letters ? sender.letters[got[1]] + ' in ' + sender.expression : 'operand ' + got[1]) + '): '));
      add(li, 'span', 'contribution', got[2]);
    });
    if (used > 1) {
      line(box, ['sum: ' + node.received.map(function (got) { return got[2]; }).join(' + ') + ' = ', ['total', step.value]],
        'equation sum');
    }
  }

  function showSends(step, node, box) {
    if (!step.sends.length) {
      add(box, 'p', 'explain', name(step.node) + ' is an input, so its gradient is final: backward() adds ' +
        step.value + ' to ' + name(step.node) + '.grad. Nothing to pass on.');
      return;
    }
    add(box, 'p', 'explain', node.name + ' = ' + (node.expression || node.named) + usesText(node) +
      '. By the chain rule it passes to each operand its gradient times the local derivative:');
    var list = add(box, 'ol', 'sends');
    step.sends.forEach(function (send, slot) {
      var li = add(list, 'li', 'send');
      line(li, [derivative(send[0]) + ' += ' + derivative(step.node) + ' \u00d7 d ' + node.name + ' / d ' + name(send[0])],
        'chain');
      var local = node.letters
        ? 'local: d(' + node.expression + ')/d ' + node.letters[slot] + ' = ' + node.local[slot]
        : 'local: from its _backward closure';
      line(li, ['= ', ['upstream', step.value], ' (upstream) \u00d7 ', ['local', send[1]], ' (' + local + ') = ',
        ['contribution', send[2]]], 'equation');
      var into = nodes[send[0]].received.length;
      if (into > 1) { add(li, 'p', 'explain', 'one of the ' + into + ' contributions that add up to ' + derivative(send[0]) + '.'); }
    });
  }

  function showBackward(step, box) {
    var node = nodes[step.node];
    showReceived(step, node, box);
    showSends(step, node, box);
  }

  function paintPanel(step, index) {
    panel.textContent = '';
    var phase = step.phase === 'forward' ? 'Forward pass' : 'Backward pass';
    var number = step.phase === 'forward' ? index + 1 : index - forwardCount + 1;
    var total = step.phase === 'forward' ? forwardCount : steps.length - forwardCount;
    var head = add(panel, 'div', 'panel-head');
    add(head, 'span', 'phase ' + step.phase, phase + ' \u00b7 ' + number + ' of ' + total);
    add(head, 'h2', 'node-name', nodes[step.node].name);
    var box = add(panel, 'div', 'panel-body');
    (step.phase === 'forward' ? showForward : showBackward)(step, box);
  }

  // ---- navigation ----
  function show(index, keepHash) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    var step = steps[current];
    if (drawing) { paintDrawing(step, current); }
    paintPanel(step, current);
    document.body.classList.toggle('backward', step.phase === 'backward');
    slider.value = String(current + 1);
    counter.textContent = 'Step ' + (current + 1) + ' of ' + steps.length;
    document.getElementById('wt-prev').disabled = current === 0;
    document.getElementById('wt-next').disabled = current === steps.length - 1;
    if (!keepHash) {
      try { history.replaceState(null, '', '#step=' + (current + 1)); } catch (e) { /* a sandboxed frame */ }
    }
  }

  function stepFromHash() {
    var match = /^#step=(\d+)$/.exec(location.hash);
    return match ? parseInt(match[1], 10) - 1 : 0;
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.textContent = '\u25b6 Play';
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (current === steps.length - 1) { show(0); }
    playButton.textContent = '\u23f8 Pause';
    timer = setInterval(function () {
      if (current >= steps.length - 1) { stop(); return; }
      show(current + 1);
    }, PLAY_INTERVAL_MS);
  }

  document.getElementById('wt-next').addEventListener('click', function () { stop(); show(current + 1); });
  document.getElementById('wt-prev').addEventListener('click', function () { stop(); show(current - 1); });
  document.getElementById('wt-reset').addEventListener('click', function () { stop(); show(0); });
  playButton.addEventListener('click', play);
  slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10) - 1); });
  window.addEventListener('hashchange', function () { show(stepFromHash(), true); });
  document.addEventListener('keydown', function (event) {
    if (event.target === slider || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in moves) { stop(); show(current + moves[event.key]); }
    else if (event.key === 'Home') { stop(); show(0); }
    else if (event.key === 'End') { stop(); show(steps.length - 1); }
    else if (event.key === ' ' && event.target.tagName !== 'BUTTON') { play(); }
    else { return; }
    event.preventDefault();
  });

  document.getElementById('wt-title').textContent = 'Backpropagation step by step: ' + root.name;
  document.getElementById('wt-summary').textContent = nodes.length + ' Values: ' + forwardCount +
    ' forward steps (operands before results), then ' + (steps.length - forwardCount) +
    ' backward steps in the order micrograd\u2019s backward() takes them. Use the arrow keys, the buttons or the slider.';
  slider.max = String(steps.length);
  show(stepFromHash(), false);
}());
