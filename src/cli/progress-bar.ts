/** `progressBar(512, 1024, 2048, 1000)` → `██████████░░░░░░░░░░  50%  512 B / 1.0 KiB  512 B/s  1s left` */
export function progressBar(sent: number, total: number, elapsedMs: number, width = 20): string {
  const fraction = total === 0 ? 1 : sent / total;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? (sent / elapsedMs) * 1000 : 0;
  const left = rate > 0 ? Math.ceil((total - sent) / rate) : undefined;
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(Math.round(fraction * 100)).padStart(3)}%  ${formatBytes(sent)} / ${formatBytes(total)}  ${formatBytes(rate)}/s${left !== undefined ? `  ${left}s left` : ''}`;
}

/** `formatBytes(1536)` → `1.5 KiB` */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
