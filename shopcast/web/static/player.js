// Plays an HLS URL in a <video>: hls.js where Media Source Extensions exist (the copy `make install`
// fetched from npm), else the browser's own HLS. Subtitles come as <track>s of the asset's WebVTT
// files, so both paths show the same tracks.
// Signed URLs carry a fresh token on every read of the asset: only a new playlist path is a new
// source, or each refresh would restart the player.
const withoutToken = (url) => url.split("?")[0];

const RELOADS = 3;

// hls.js on `url`, loaded again (where it was) after a fatal network error: the master stays, but an
// asset's first playable rendition is replaced by its ladder, and a player holding the old media
// playlist then asks for segments that are gone. `onGiveUp` runs once reloading did not help.
export function startHls(video, url, onGiveUp = () => {}) {
  let reloads = 0;
  const start = (at) => {
    video.hls?.destroy();
    const hls = new window.Hls({ enableWebVTT: false, renderTextTracksNatively: false, startPosition: at });
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR && reloads < RELOADS) {
        reloads += 1;
        start(video.currentTime || -1);
      } else {
        onGiveUp(data);
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.hls = hls;
  };
  start(-1);
}

export function attachHls(video, url) {
  if (video.dataset.src && withoutToken(video.dataset.src) === withoutToken(url)) return;
  video.dataset.src = url;
  if (window.Hls?.isSupported()) {
    startHls(video, url);
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
