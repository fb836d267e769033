/**
 * Plays the far end: one hidden <audio autoplay> element per phone (the 2014 library added a hidden
 * media element too). Without a DOM (Node) the remote track is left to whoever holds the connection.
 */
export class RemoteAudio {
  /** the far end's output; call-controls.ts points it at the call resumed and sets its sink and volume */
  element: HTMLAudioElement | null = null;

  attach(pc: RTCPeerConnection): void {
    if (typeof document === 'undefined') return;
    pc.addEventListener('track', (ev: RTCTrackEvent) => {
      if (ev.track.kind !== 'audio') return;
      const el = this.audioElement();
      el.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
      void el.play().catch(() => { /* autoplay policy: plays on the next user gesture */ });
    });
  }

  detach(): void {
    if (this.element) {
      this.element.srcObject = null;
      this.element.remove();
      this.element = null;
    }
  }

  audioElement(): HTMLAudioElement {
    if (!this.element) {
      const el = document.createElement('audio');
      el.id = 'kazooAudioRemote';
      el.autoplay = true;
      el.style.display = 'none';
      document.body.appendChild(el);
      this.element = el;
    }
    return this.element;
  }
}
