// Tell the server the browser's time zone, so anonymous visitors see times in
// their own zone (a logged-in user's profile zone takes precedence server-side).
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    var current = document.cookie.match(/(?:^|; )tz=([^;]*)/);
    if (current && decodeURIComponent(current[1]) === zone) return;
    document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
  } catch (e) {
    // No Intl support: the server falls back to Asia/Kolkata.
  }
})();
