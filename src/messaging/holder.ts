/**
 * Who claims rows and leases: `<pid>-<random>`, one per process (MessagingService.holder). The pid
 * lets another process on this machine tell that the holder was killed (kill -9, a crash) and take
 * over at once instead of waiting for the claim or lease to expire.
 */
export function holderGone(holder: string): boolean {
  const pid = Number(holder.split('-')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
