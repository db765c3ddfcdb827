/* Rookery's public pages work without this script; it only adds two things:
   - <time datetime> elements shown in the reader's time zone and language (the page says UTC);
   - blurhash placeholders painted under images while they load (data-blurhash). */
(function () {
  "use strict";

  function localTimes() {
    var dateOnly = { year: "numeric", month: "long", day: "numeric" };
    var full = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      var opts = el.dataset.format === "date" ? dateOnly : full;
      el.title = el.textContent;
      el.textContent = d.toLocaleString(undefined, opts);
    });
  }

  var CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

  function decode83(s) {
    var v = 0;
    for (var i = 0; i < s.length; i++) {
      var c = CHARS.indexOf(s[i]);
      if (c < 0) return NaN;
      v = v * 83 + c;
    }
    return v;
  }

  function toLinear(c) {
    var v = c / 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }

  function toSRGB(v) {
    v = Math.max(0, Math.min(1, v));
    return Math.round(v <= 0.0031308 ? v * 12.92 * 255 : (1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255);
  }

  function signPow(v, e) {
    return (v < 0 ? -1 : 1) * Math.pow(Math.abs(v), e);
  }

  // The blurhash algorithm (https://blurha.sh): a few cosine components, decoded to pixels.
  function decodeBlurhash(hash, width, height) {
    if (!hash || hash.length < 6) return null;
    var size = decode83(hash[0]);
    var nx = (size % 9) + 1, ny = Math.floor(size / 9) + 1;
    if (hash.length !== 4 + 2 * nx * ny) return null;
    var maxAc = (decode83(hash[1]) + 1) / 166;
    var colors = [];
    var dc = decode83(hash.substring(2, 6));
    colors.push([toLinear(dc >> 16), toLinear((dc >> 8) & 255), toLinear(dc & 255)]);
    for (var i = 1; i < nx * ny; i++) {
      var ac = decode83(hash.substring(4 + i * 2, 6 + i * 2));
      if (isNaN(ac)) return null;
      var q = [Math.floor(ac / 361), Math.floor(ac / 19) % 19, ac % 19];
      colors.push(q.map(function (x) { return signPow((x - 9) / 9, 2) * maxAc; }));
    }
    var pixels = new Uint8ClampedArray(width * height * 4);
    for (var y = 0; y < height; y++) {
      for (var x = 0; x < width; x++) {
        var r = 0, g = 0, b = 0;
        for (var j = 0; j < ny; j++) {
          for (var k = 0; k < nx; k++) {
            var basis = Math.cos((Math.PI * x * k) / width) * Math.cos((Math.PI * y * j) / height);
            var col = colors[k + j * nx];
            r += col[0] * basis; g += col[1] * basis; b += col[2] * basis;
          }
        }
        var p = 4 * (x + y * width);
        pixels[p] = toSRGB(r); pixels[p + 1] = toSRGB(g); pixels[p + 2] = toSRGB(b); pixels[p + 3] = 255;
      }
    }
    return pixels;
  }

  function blurhashes() {
    document.querySelectorAll("[data-blurhash]").forEach(function (el) {
      var hash = el.getAttribute("data-blurhash");
      var img = el.querySelector("img");
      if (!hash || (img && img.complete && img.naturalWidth > 0)) return;
      var pixels = decodeBlurhash(hash, 32, 32);
      if (!pixels) return;
      var canvas = document.createElement("canvas");
      canvas.width = 32; canvas.height = 32;
      canvas.className = "blurhash-canvas";
      canvas.setAttribute("aria-hidden", "true");
      var ctx = canvas.getContext("2d");
      if (!ctx) return;
      ctx.putImageData(new ImageData(pixels, 32, 32), 0, 0);
      el.insertBefore(canvas, el.firstChild);
      if (img) img.addEventListener("load", function () { canvas.remove(); });
    });
  }

  function ready() {
    localTimes();
    blurhashes();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
