// Keyboard decisions and the zoomable page view. Plain JavaScript, no build step; the pages work
// without it (buttons submit the form), this only adds shortcuts, zoom and guards.
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const typingIn = (el) =>
    el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
  // Shortcuts go by key position (KeyboardEvent.code), so they work in a Russian layout too.
  const letterOf = (ev) => (/^Key[A-Z]$/.test(ev.code) ? ev.code.slice(3).toLowerCase() : "");

  function notice(message) {
    const box = $("#notice");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function initItem(form) {
    const name = $("#reviewer");
    const text = $("#text");
    const row = $("#text-row");
    const label = $("#text-label");
    const undoForm = $("#undo");
    const buttons = new Map();
    form.querySelectorAll("button[data-key]").forEach((b) => buttons.set(b.dataset.key, b));
    let mode = null;
    let busy = false;

    // The name field never has the focus on arrival: a decision key pressed first is not typed
    // into it; without a name, the key asks for one (and is not lost as a letter of it).
    function needName() {
      if (name.value.trim()) return false;
      notice("Type your name first (it is remembered), then press the key again.");
      name.focus();
      return true;
    }

    function submit(button) {
      if (busy || button.disabled || needName()) return;
      busy = true;
      button.classList.add("chosen");
      form.classList.add("busy");
      form.requestSubmit(button);
    }

    function startText(button) {
      if (needName()) return;
      mode = button;
      row.classList.add("active");
      label.textContent = button.dataset.label + " — the text to keep:";
      const graphic = button.value !== "edit";
      if (!text.dataset.touched) text.value = graphic ? text.dataset.graphic : text.dataset.edit;
      text.focus();
      text.select();
    }

    function cancelText() {
      mode = null;
      row.classList.remove("active");
      text.blur();
    }

    text.addEventListener("input", () => { text.dataset.touched = "1"; });
    // The undo form carries the name typed on this page, not only the remembered one.
    undoForm.addEventListener("submit", () => { undoForm.elements.reviewer.value = name.value; });

    document.addEventListener("keydown", (ev) => {
      if (ev.isComposing) return;
      if (ev.target === text) {
        // A multi-line field: Enter is a new line, Ctrl+Enter (Cmd+Enter) saves.
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
          ev.preventDefault();
          submit(mode || buttons.get("e"));
        } else if (ev.key === "Escape") { ev.preventDefault(); cancelText(); }
        return;
      }
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.target === name) {
        if (ev.key === "Enter" || ev.key === "Escape") { ev.preventDefault(); name.blur(); }
        return;
      }
      if (typingIn(ev.target)) return;
      const key = letterOf(ev);
      if (key === "u") {
        const undo = $("button", undoForm);
        if (undo.disabled) return;
        ev.preventDefault();  // before needName() moves the focus: the key is never typed there
        if (!needName()) undoForm.requestSubmit(undo);
        return;
      }
      const button = buttons.get(key);
      if (!button) return;
      ev.preventDefault();
      if (button.dataset.takesText === "true") startText(button);
      else submit(button);
    });
  }

  function initViewer(viewer) {
    const canvas = $("#canvas");
    const level = $("#zoom-level");
    const cols = Number(viewer.dataset.cols);
    const rows = Number(viewer.dataset.rows);
    const region = ["left", "top", "width", "height"].map((k) => Number(viewer.dataset[k]));
    let scale = 0;

    const fit = () => viewer.clientWidth / cols;
    function zoom(next, cx, cy) {
      const old = scale || next;
      const ax = cx === undefined ? viewer.clientWidth / 2 : cx;
      const ay = cy === undefined ? viewer.clientHeight / 2 : cy;
      const px = (viewer.scrollLeft + ax) / old;
      const py = (viewer.scrollTop + ay) / old;
      scale = Math.min(Math.max(next, fit() * 0.5), 4);
      canvas.style.width = cols * scale + "px";
      canvas.style.height = rows * scale + "px";
      viewer.scrollLeft = px * scale - ax;
      viewer.scrollTop = py * scale - ay;
      level.textContent = Math.round(scale * 100) + "%";
    }
    function centreRegion() {
      viewer.scrollLeft = (region[0] + region[2] / 2) * scale - viewer.clientWidth / 2;
      viewer.scrollTop = (region[1] + region[3] / 2) * scale - viewer.clientHeight / 2;
    }
    function toRegion() {
      zoom(Math.min(viewer.clientWidth / (region[2] + 600), viewer.clientHeight / (region[3] + 400), 2));
      centreRegion();
    }
    const actions = {
      in: () => zoom(scale * 1.25), out: () => zoom(scale / 1.25),
      fit: () => { zoom(fit()); centreRegion(); }, region: toRegion,
    };
    document.querySelectorAll("[data-zoom]").forEach((b) =>
      b.addEventListener("click", () => actions[b.dataset.zoom]()));
    viewer.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const box = viewer.getBoundingClientRect();
      zoom(scale * (ev.deltaY < 0 ? 1.15 : 1 / 1.15), ev.clientX - box.left, ev.clientY - box.top);
    }, { passive: false });
    let drag = null;
    viewer.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, left: viewer.scrollLeft, top: viewer.scrollTop };
      viewer.classList.add("dragging");
      viewer.setPointerCapture(ev.pointerId);
    });
    viewer.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      viewer.scrollLeft = drag.left - (ev.clientX - drag.x);
      viewer.scrollTop = drag.top - (ev.clientY - drag.y);
    });
    const stop = () => { drag = null; viewer.classList.remove("dragging"); };
    viewer.addEventListener("pointerup", stop);
    viewer.addEventListener("pointercancel", stop);
    document.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typingIn(ev.target)) return;
      if (ev.key === "+" || ev.key === "=") actions.in();
      else if (ev.key === "-" || ev.key === "−") actions.out();
      else if (ev.key === "0") actions.fit();
      else if (letterOf(ev) === "z") actions.region();
    });
    zoom(fit());
    centreRegion();
  }

  function initQueue(start) {
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !typingIn(ev.target) && ev.target.tagName !== "BUTTON"
          && ev.target.tagName !== "A") {
        ev.preventDefault();
        start.click();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("#decide");
    if (form) initItem(form);
    const viewer = $("#viewer");
    if (viewer) initViewer(viewer);
    const start = $("#start");
    if (start) initQueue(start);
  });
})();
