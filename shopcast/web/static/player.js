// Plays an HLS URL in a <video>: hls.js where Media Source Extensions exist (the copy `make install`
// fetched from npm), else the browser's own HLS. Subtitles come as <track>s of the asset's WebVTT
// files, so both paths show the same tracks.
// Signed URLs carry a fresh token on every read of the asset: only a new playlist path is a new
// source, or each refresh would restart the player.
const withoutToken = (url) => url.split("?")[0];

export function attachHls(video, url) {
  if (video.dataset.src && withoutToken(video.dataset.src) === withoutToken(url)) return;
  video.dataset.src = url;
  if (window.Hls?.isSupported()) {
    video.hls?.destroy();
    video.hls = new window.Hls({ enableWebVTT: false, renderTextTracksNatively: false });
    video.hls.loadSource(url);
    video.hls.attachMedia(video);
  } else {
    video.src = url;
  }
}

export function showSubtitleTracks(video, subtitles, language) {
  for (const old of video.querySelectorAll("track")) old.remove();
  subtitles.forEach((sub, index) => {
    const track = document.createElement("track");
    Object.assign(track, { kind: "subtitles", srclang: sub.language, label: `${sub.language} (${sub.kind})`, src: sub.vtt_url });
    track.default = sub.language === language || (index === 0 && !subtitles.some((s) => s.language === language));
    video.append(track);
  });
}
