// The minimap's front end (an anywidget ESM module, no build step). The kernel sends the
// picture (a PNG, `scale` pixels per tile) and its legend; this draws it on a canvas, zooms
// (wheel, + and - buttons) and pans (drag), maps the pointer back to a tile, and sends
// {type: "hover" | "click", x, y, bot} to the kernel, which answers a hover in `hover` and
// walks the chosen bot on a click.

const MIN_ZOOM = 1;
const MAX_ZOOM = 16;
const HOVER_EVERY_MS = 100;
const DRAG_PX = 4;

function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function render({ model, el }) {
  el.classList.add("seraph-minimap");
  const toolbar = element("div", "seraph-minimap-toolbar", el);
  const botChoice = element("select", "seraph-minimap-bot", toolbar);
  botChoice.title = "the bot a click walks";
  const zoomIn = element("button", "seraph-minimap-zoom-in", toolbar);
  zoomIn.textContent = "+";
  zoomIn.title = "zoom in";
  const zoomOut = element("button", "seraph-minimap-zoom-out", toolbar);
  zoomOut.textContent = "\u2212";
  zoomOut.title = "zoom out";
  const zoomReset = element("button", "seraph-minimap-zoom-reset", toolbar);
  zoomReset.textContent = "1:1";
  zoomReset.title = "whole map";
  const hoverLine = element("span", "seraph-minimap-hover", toolbar);
  const body = element("div", "seraph-minimap-body", el);
  const view = element("div", "seraph-minimap-view", body);
  const canvas = element("canvas", "seraph-minimap-canvas", view);
  canvas.title = "drag to pan, wheel to zoom, click to walk the bot there";
  const legend = element("div", "seraph-minimap-legend", body);
  const statusLine = element("div", "seraph-minimap-status", el);
  const context = canvas.getContext("2d");

  let image = null;
  let zoom = 1;
  canvas.dataset.zoom = "1";
  let panX = 0;
  let panY = 0;
  let drag = null;
  let lastTile = null;
  let hoverTimer = null;
  let hoverSentAt = 0;

  function draw() {
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#181c30";
    context.fillRect(0, 0, canvas.width, canvas.height);
    if (!image) return;
    context.imageSmoothingEnabled = false;
    context.setTransform(zoom, 0, 0, zoom, panX, panY);
    context.drawImage(image, 0, 0);
  }

  function clampPan() {
    panX = Math.min(0, Math.max(canvas.width - canvas.width * zoom, panX));
    panY = Math.min(0, Math.max(canvas.height - canvas.height * zoom, panY));
  }

  function resize() {
    const width = model.get("width_px");
    const height = model.get("height_px");
    if (width && height && (canvas.width !== width || canvas.height !== height)) {
      canvas.width = width;
      canvas.height = height;
      clampPan();
    }
  }

  function loadPicture() {
    resize();
    canvas.dataset.scale = String(model.get("scale"));
    const bytes = model.get("value");
    if (!bytes || !bytes.byteLength) {
      image = null;
      draw();
      return;
    }
    const url = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
    const next = new Image();
    next.onload = () => {
      URL.revokeObjectURL(url);
      image = next;
      canvas.dataset.loaded = "true";
      draw();
    };
    next.src = url;
  }

  function canvasPoint(event) {
    const box = canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * canvas.width) / box.width,
      ((event.clientY - box.top) * canvas.height) / box.height,
    ];
  }

  function tileAt(event) {
    const [cx, cy] = canvasPoint(event);
    const scale = model.get("scale") || 1;
    const x = Math.floor((cx - panX) / zoom / scale);
    const y = Math.floor((cy - panY) / zoom / scale);
    const inside = x >= 0 && y >= 0 && x < model.get("world_width") && y < model.get("world_height");
    return inside ? [x, y] : null;
  }

  function zoomAt(factor, cx, cy) {
    const next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom * factor));
    panX = cx - ((cx - panX) * next) / zoom;
    panY = cy - ((cy - panY) * next) / zoom;
    zoom = next;
    clampPan();
    canvas.dataset.zoom = String(zoom);
    draw();
  }

  function sendHover(tile) {
    clearTimeout(hoverTimer);
    const wait = HOVER_EVERY_MS - (Date.now() - hoverSentAt);
    if (wait > 0) {
      hoverTimer = setTimeout(() => sendHover(tile), wait);
      return;
    }
    hoverSentAt = Date.now();
    model.send({ type: "hover", x: tile[0], y: tile[1] });
  }

  function onWheel(event) {
    event.preventDefault();
    const [cx, cy] = canvasPoint(event);
    zoomAt(event.deltaY < 0 ? 1.25 : 0.8, cx, cy);
  }

  function onPointerDown(event) {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, panX, panY, moved: false };
    canvas.setPointerCapture?.(event.pointerId);
  }

  function onPointerMove(event) {
    if (drag) {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > DRAG_PX) drag.moved = true;
      if (drag.moved) {
        const box = canvas.getBoundingClientRect();
        panX = drag.panX + (dx * canvas.width) / box.width;
        panY = drag.panY + (dy * canvas.height) / box.height;
        clampPan();
        draw();
        return;
      }
    }
    const tile = tileAt(event);
    if (tile && (!lastTile || tile[0] !== lastTile[0] || tile[1] !== lastTile[1])) {
      lastTile = tile;
      hoverLine.textContent = `(${tile[0]}, ${tile[1]})`;
      sendHover(tile);
    }
  }

  function onPointerUp(event) {
    const clicked = drag && !drag.moved;
    drag = null;
    if (!clicked) return;
    const tile = tileAt(event);
    if (!tile) return;
    const bot = botChoice.value || model.get("bots")[0];
    statusLine.textContent = `${bot}: walking to (${tile[0]}, ${tile[1]})\u2026`;
    model.send({ type: "click", x: tile[0], y: tile[1], bot });
  }

  function showBots() {
    const bots = model.get("bots") || [];
    const chosen = botChoice.value;
    botChoice.replaceChildren(
      ...bots.map((bot) => {
        const option = document.createElement("option");
        option.value = option.textContent = bot;
        return option;
      }),
    );
    if (bots.includes(chosen)) botChoice.value = chosen;
    botChoice.style.display = bots.length > 1 ? "" : "none";
  }

  function showLegend() {
    const groups = new Map();
    for (const entry of model.get("legend") || []) {
      if (!groups.has(entry.group)) groups.set(entry.group, []);
      groups.get(entry.group).push(entry);
    }
    legend.replaceChildren();
    for (const [group, entries] of groups) {
      const section = element("div", "seraph-minimap-legend-group", legend);
      element("div", "seraph-minimap-legend-title", section).textContent = group;
      for (const entry of entries) {
        const row = element("div", "seraph-minimap-legend-entry", section);
        const swatch = element("span", `seraph-minimap-swatch seraph-minimap-swatch-${group}`, row);
        swatch.style.background = entry.colour;
        element("span", "seraph-minimap-label", row).textContent = entry.label;
      }
    }
  }

  function showHover() {
    const hover = model.get("hover") || {};
    if (hover.text) hoverLine.textContent = hover.text;
  }

  function showStatus() {
    statusLine.textContent = model.get("status") || model.get("caption") || "";
  }

  canvas.addEventListener("wheel", onWheel, { passive: false });
  canvas.addEventListener("pointerdown", onPointerDown);
  canvas.addEventListener("pointermove", onPointerMove);
  canvas.addEventListener("pointerup", onPointerUp);
  canvas.addEventListener("pointerleave", () => {
    lastTile = null;
  });
  zoomIn.addEventListener("click", () => zoomAt(2, canvas.width / 2, canvas.height / 2));
  zoomOut.addEventListener("click", () => zoomAt(0.5, canvas.width / 2, canvas.height / 2));
  zoomReset.addEventListener("click", () => zoomAt(MIN_ZOOM / zoom, 0, 0));

  const handlers = {
    "change:value": loadPicture,
    "change:width_px": loadPicture,
    "change:legend": showLegend,
    "change:bots": showBots,
    "change:hover": showHover,
    "change:status": showStatus,
    "change:caption": showStatus,
  };
  for (const [name, handler] of Object.entries(handlers)) model.on(name, handler);
  loadPicture();
  showBots();
  showLegend();
  showStatus();
  return () => {
    clearTimeout(hoverTimer);
    for (const [name, handler] of Object.entries(handlers)) model.off(name, handler);
  };
}

export default { render };
