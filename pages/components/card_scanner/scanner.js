// 证件扫描: a live card scanner (Streamlit components v2; no build step, no network).
//
// data (from Python): { token }  — the one-time capture token of this page view.
// Triggers sent to Python:
//   submit: { token, image (JPEG, base64), measures }  — after 拍照 (by hand or automatic) and 提交核验
//   manual: { reason }                                   — no camera: the candidate chose manual review
//
// The rear camera (facingMode environment) at up to 1920x1080; a card outline (85.6 x 54 mm) over the
// video; live hints from cheap measures on a downscaled frame (brightness, saturated share, variance of a
// Laplacian, edge coverage of the outline, frame difference). Good and steady for STEADY_MS → automatic shot.
// Only the outline (plus a margin) is cropped from the full-resolution frame and sent.

const CARD_ASPECT = 85.6 / 54;
const OUTLINE_WIDTH = 0.86; // of the frame width, at most OUTLINE_HEIGHT of its height
const OUTLINE_HEIGHT = 0.8;
const CROP_MARGIN = 0.08; // of the outline size, on each side
const SMALL_WIDTH = 320; // analysis frame width
const ANALYSE_MS = 150;
const STEADY_MS = 1000;
const JPEG_QUALITY = 0.92;
const LIMITS = {
  dark: 0.2, // mean brightness (0..1) inside the outline
  empty: 15, // standard deviation of gray below which nothing lies in the outline
  glare: 0.03, // share of saturated pixels
  blurry: 150, // variance of the Laplacian
  coverage: 0.75, // share of outline cells with edges
  moving: 6, // mean gray difference to the previous frame
};

const HINTS = {
  starting: "正在打开摄像头…",
  empty: "请将身份证人像面置于框内",
  dark: "光线太暗，请到明亮处拍摄",
  glare: "证件反光，请调整角度避开强光",
  blurry: "画面模糊，请保持手机稳定并对焦",
  small: "证件太小或未对准，请靠近并使证件充满边框",
  moving: "请保持手机稳定",
  good: "画面清晰，请保持不动，即将自动拍照",
  shot: "已拍摄，请确认照片清晰、完整后提交核验",
  sending: "正在提交核验，请稍候…",
};

const NO_CAMERA = {
  insecure:
    "浏览器只允许在安全连接（https://）下使用摄像头。请通过以 https:// 开头的正式网址访问本系统，或在手机上打开。",
  denied:
    "您未允许本网站使用摄像头。请点击浏览器地址栏中的锁形（或摄像头）图标，将“摄像头/相机”设为“允许”，" +
    "然后点击“重新打开摄像头”。在微信等应用内打开时，还需在手机“设置”中允许该应用使用相机。",
  missing: "未检测到可用的摄像头。请换用带摄像头的手机或电脑，或关闭正在使用摄像头的其他程序后重试。",
  failed: "摄像头无法打开。请关闭正在使用摄像头的其他程序，然后点击“重新打开摄像头”。",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function button(label, action, primary) {
  const node = el("button", primary ? "cs-button cs-primary" : "cs-button", label);
  node.type = "button";
  node.dataset.action = action;
  return node;
}

/** The outline in frame pixels: centred, card aspect, 86% of the width or 80% of the height. */
function outlineOf(width, height) {
  const w = Math.min(width * OUTLINE_WIDTH, height * OUTLINE_HEIGHT * CARD_ASPECT);
  const h = w / CARD_ASPECT;
  return { x: (width - w) / 2, y: (height - h) / 2, w, h };
}

/** Cheap measures of the outline's inside on a small gray frame. */
function measure(gray, width, box, previous) {
  const mx = Math.round(box.w * 0.03);
  const my = Math.round(box.h * 0.03);
  const x0 = Math.max(1, Math.round(box.x) + mx);
  const y0 = Math.max(1, Math.round(box.y) + my);
  const x1 = Math.min(width - 1, Math.round(box.x + box.w) - mx);
  const y1 = Math.min(gray.length / width - 1, Math.round(box.y + box.h) - my);
  const histogram = new Uint32Array(256);
  const cols = 4;
  const rows = 3;
  const cellEdges = new Uint32Array(cols * rows);
  const cellSize = new Uint32Array(cols * rows);
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let lapSum = 0;
  let lapSq = 0;
  let diff = 0;
  for (let y = y0; y < y1; y++) {
    const row = Math.min(rows - 1, Math.floor(((y - y0) * rows) / (y1 - y0)));
    for (let x = x0; x < x1; x++) {
      const i = y * width + x;
      const g = gray[i];
      n++;
      sum += g;
      sumSq += g * g;
      histogram[Math.min(255, Math.round(g))]++;
      const lap = 4 * g - gray[i - 1] - gray[i + 1] - gray[i - width] - gray[i + width];
      lapSum += lap;
      lapSq += lap * lap;
      const cell = row * cols + Math.min(cols - 1, Math.floor(((x - x0) * cols) / (x1 - x0)));
      cellSize[cell]++;
      if (Math.abs(gray[i + 1] - gray[i - 1]) + Math.abs(gray[i + width] - gray[i - width]) > 40) cellEdges[cell]++;
      if (previous) diff += Math.abs(g - previous[i]);
    }
  }
  if (!n) return null;
  const mean = sum / n;
  let median = 0;
  for (let seen = 0; median < 255 && seen + histogram[median] < n / 2; median++) seen += histogram[median];
  const level = Math.max(250, Math.min(255, median + 10));
  let saturated = 0;
  for (let v = Math.ceil(level); v < 256; v++) saturated += histogram[v];
  let covered = 0;
  for (let c = 0; c < cols * rows; c++) if (cellSize[c] && cellEdges[c] / cellSize[c] > 0.04) covered++;
  return {
    brightness: mean / 255,
    spread: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
    glare: saturated / n,
    sharpness: lapSq / n - (lapSum / n) ** 2,
    edges: covered / (cols * rows),
    motion: previous ? diff / n : 0,
  };
}

/** The hint for a frame's measures (the first problem found), or "good". */
function verdict(m) {
  if (m.brightness < LIMITS.dark) return "dark";
  if (m.spread < LIMITS.empty) return "empty";
  if (m.glare > LIMITS.glare) return "glare";
  if (m.sharpness < LIMITS.blurry) return "blurry";
  if (m.edges < LIMITS.coverage) return "small";
  if (m.motion > LIMITS.moving) return "moving";
  return "good";
}

function createScanner(root) {
  const box = el("div", "cs");
  const intro = el("p", "cs-intro", "需要使用您的摄像头拍摄身份证人像面。浏览器询问时请选择“允许”；照片仅用于实名认证。");
  const stage = el("div", "cs-stage");
  const video = el("video", "cs-video");
  video.muted = true;
  video.autoplay = true;
  video.setAttribute("playsinline", "");
  video.setAttribute("aria-label", "摄像头画面");
  const still = el("img", "cs-still");
  still.alt = "拍摄的身份证照片";
  still.hidden = true;
  const outline = el("div", "cs-outline");
  outline.setAttribute("aria-hidden", "true");
  const hint = el("p", "cs-hint", HINTS.starting);
  hint.setAttribute("role", "status");
  hint.dataset.state = "starting";
  const steady = el("div", "cs-steady");
  stage.append(video, still, outline, steady, hint);
  const actions = el("div", "cs-actions");
  const switchButton = button("切换摄像头", "switch");
  const shootButton = button("拍照", "shoot", true);
  const retakeButton = button("重拍", "retake");
  const submitButton = button("提交核验", "submit", true);
  actions.append(switchButton, shootButton, retakeButton, submitButton);
  const noCamera = el("div", "cs-nocamera");
  noCamera.hidden = true;
  const noCameraTitle = el("p", "cs-nocamera-title", "无法使用摄像头");
  const noCameraText = el("p", "cs-nocamera-text");
  const manualText = el(
    "p",
    "cs-nocamera-text",
    "您也可以改为身份证（人工审核）：上传身份证人像面和国徽面照片，由审核员审核，审核结果将通过「消息」通知您。",
  );
  const noCameraActions = el("div", "cs-actions");
  noCameraActions.append(button("重新打开摄像头", "retry", true), button("改为人工审核（上传照片）", "manual"));
  noCamera.append(noCameraTitle, noCameraText, manualText, noCameraActions);
  box.append(intro, stage, actions, noCamera);
  root.appendChild(box);

  const small = document.createElement("canvas");
  const smallContext = small.getContext("2d", { willReadFrequently: true });
  const state = {
    token: null,
    send: null,
    stream: null,
    devices: [],
    deviceIndex: -1,
    timer: null,
    previous: null,
    goodSince: 0,
    measures: null,
    blob: null,
    stillUrl: null,
    mode: "starting",
    alive: true,
  };

  function setHint(kind) {
    hint.textContent = HINTS[kind];
    hint.dataset.state = kind;
    outline.dataset.state = kind;
  }

  function setMode(mode) {
    state.mode = mode;
    box.dataset.mode = mode;
    const live = mode === "live";
    const shot = mode === "shot" || mode === "sending";
    video.hidden = shot;
    still.hidden = !shot;
    outline.hidden = shot;
    steady.hidden = !live;
    stage.hidden = mode === "nocamera";
    intro.hidden = mode !== "starting";
    actions.hidden = mode === "nocamera";
    noCamera.hidden = mode !== "nocamera";
    shootButton.hidden = !live;
    switchButton.hidden = !live || state.devices.length < 2;
    retakeButton.hidden = !shot;
    submitButton.hidden = !shot;
    retakeButton.disabled = mode === "sending";
    submitButton.disabled = mode === "sending";
  }

  function stopStream() {
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
    if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
    state.stream = null;
  }

  function showNoCamera(reason) {
    stopStream();
    noCameraText.textContent = NO_CAMERA[reason];
    box.dataset.reason = reason;
    setMode("nocamera");
  }

  async function start() {
    stopStream();
    setMode("starting");
    setHint("starting");
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showNoCamera("insecure");
      return;
    }
    const device = state.devices[state.deviceIndex];
    const video_ = {
      width: { ideal: 1920, max: 1920 },
      height: { ideal: 1080, max: 1080 },
      ...(device ? { deviceId: { exact: device.deviceId } } : { facingMode: { ideal: "environment" } }),
    };
    try {
      state.stream = await navigator.mediaDevices.getUserMedia({ video: video_, audio: false });
    } catch (error) {
      const name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError") showNoCamera("denied");
      else if (name === "NotFoundError" || name === "OverconstrainedError") showNoCamera("missing");
      else showNoCamera("failed");
      return;
    }
    if (!state.alive) {
      stopStream();
      return;
    }
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      state.devices = all.filter((d) => d.kind === "videoinput");
      if (state.deviceIndex < 0) {
        const current = state.stream.getVideoTracks()[0]?.getSettings().deviceId;
        state.deviceIndex = Math.max(0, state.devices.findIndex((d) => d.deviceId === current));
      }
    } catch (error) {
      state.devices = [];
    }
    video.srcObject = state.stream;
    await new Promise((resolve) => {
      if (video.readyState >= 1) resolve();
      else video.addEventListener("loadedmetadata", resolve, { once: true });
    });
    try {
      await video.play();
    } catch (error) {
      // autoplay of a muted video is allowed; a refusal only delays the first frame
    }
    layout();
    state.previous = null;
    state.goodSince = 0;
    setMode("live");
    setHint("empty");
    state.timer = setInterval(analyse, ANALYSE_MS);
  }

  function layout() {
    const width = video.videoWidth || 1280;
    const height = video.videoHeight || 720;
    stage.style.aspectRatio = `${width} / ${height}`;
    stage.style.maxWidth = `min(100%, 720px, calc(62vh * ${(width / height).toFixed(4)}))`;
    const o = outlineOf(width, height);
    outline.style.left = `${(o.x / width) * 100}%`;
    outline.style.top = `${(o.y / height) * 100}%`;
    outline.style.width = `${(o.w / width) * 100}%`;
    outline.style.height = `${(o.h / height) * 100}%`;
  }

  function analyse() {
    if (state.mode !== "live" || video.readyState < 2 || !video.videoWidth) return;
    const width = SMALL_WIDTH;
    const height = Math.round((SMALL_WIDTH * video.videoHeight) / video.videoWidth);
    if (small.width !== width || small.height !== height) {
      small.width = width;
      small.height = height;
      layout();
    }
    smallContext.drawImage(video, 0, 0, width, height);
    const pixels = smallContext.getImageData(0, 0, width, height).data;
    const gray = new Float32Array(width * height);
    for (let i = 0, p = 0; i < gray.length; i++, p += 4) {
      gray[i] = 0.299 * pixels[p] + 0.587 * pixels[p + 1] + 0.114 * pixels[p + 2];
    }
    const scale = width / video.videoWidth;
    const o = outlineOf(video.videoWidth, video.videoHeight);
    const m = measure(gray, width, { x: o.x * scale, y: o.y * scale, w: o.w * scale, h: o.h * scale }, state.previous);
    state.previous = gray;
    if (!m) return;
    const kind = verdict(m);
    setHint(kind);
    box.dataset.measures = JSON.stringify(m);
    const now = performance.now();
    if (kind !== "good") {
      state.goodSince = 0;
      steady.style.width = "0";
      return;
    }
    state.goodSince = state.goodSince || now;
    const held = now - state.goodSince;
    steady.style.width = `${Math.min(100, (held / STEADY_MS) * 100)}%`;
    if (held >= STEADY_MS) shoot(true, m);
  }

  function shoot(automatic, m) {
    if (state.mode !== "live" || !video.videoWidth) return;
    const width = video.videoWidth;
    const height = video.videoHeight;
    const o = outlineOf(width, height);
    const x0 = Math.max(0, Math.round(o.x - o.w * CROP_MARGIN));
    const y0 = Math.max(0, Math.round(o.y - o.h * CROP_MARGIN));
    const x1 = Math.min(width, Math.round(o.x + o.w * (1 + CROP_MARGIN)));
    const y1 = Math.min(height, Math.round(o.y + o.h * (1 + CROP_MARGIN)));
    const crop = document.createElement("canvas");
    crop.width = x1 - x0;
    crop.height = y1 - y0;
    crop.getContext("2d").drawImage(video, x0, y0, crop.width, crop.height, 0, 0, crop.width, crop.height);
    const last = m || JSON.parse(box.dataset.measures || "{}");
    state.measures = {
      brightness: last.brightness,
      glare: last.glare,
      sharpness: last.sharpness,
      edges: last.edges,
      auto: automatic,
      width: crop.width,
      height: crop.height,
    };
    box.dataset.auto = automatic ? "1" : "0";
    setMode("shot");
    setHint("shot");
    video.pause();
    crop.toBlob(
      (blob) => {
        state.blob = blob;
        if (state.stillUrl) URL.revokeObjectURL(state.stillUrl);
        state.stillUrl = URL.createObjectURL(blob);
        still.src = state.stillUrl;
      },
      "image/jpeg",
      JPEG_QUALITY,
    );
  }

  function retake() {
    state.blob = null;
    state.goodSince = 0;
    state.previous = null;
    steady.style.width = "0";
    video.play().catch(() => {});
    setMode("live");
    setHint("empty");
  }

  function submit() {
    if (!state.blob || !state.send) return;
    setMode("sending");
    setHint("sending");
    const reader = new FileReader();
    reader.onload = () => {
      const image = String(reader.result).split(",", 2)[1] || "";
      state.send("submit", { token: state.token, image, measures: state.measures });
    };
    reader.readAsDataURL(state.blob);
  }

  box.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-action]");
    if (!target || target.disabled) return;
    const action = target.dataset.action;
    if (action === "shoot") shoot(false, null);
    else if (action === "retake") retake();
    else if (action === "submit") submit();
    else if (action === "retry") start();
    else if (action === "manual" && state.send) state.send("manual", { reason: box.dataset.reason || "" });
    else if (action === "switch" && state.devices.length > 1) {
      state.deviceIndex = (state.deviceIndex + 1) % state.devices.length;
      start();
    }
  });

  start();

  return {
    update(data, send) {
      state.token = data.token || null;
      state.send = send;
    },
    destroy() {
      state.alive = false;
      stopStream();
      if (state.stillUrl) URL.revokeObjectURL(state.stillUrl);
    },
  };
}

export default function cardScanner(component) {
  const { parentElement, data, setTriggerValue } = component;
  // Streamlit calls this again with the same element when the data changes: keep the running scanner.
  let scanner = parentElement.__cardScanner;
  if (!scanner) {
    scanner = createScanner(parentElement);
    parentElement.__cardScanner = scanner;
  }
  scanner.update(data || {}, setTriggerValue);
  return () => {
    scanner.destroy();
    delete parentElement.__cardScanner;
  };
}
