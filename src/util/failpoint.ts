/**
 * Crash-safety tests need to kill a build at exact steps. `RODIN_FAILPOINT=<name>` makes the process
 * SIGKILL itself when it reaches that step; unset, this is one env lookup.
 */
export function failpoint(name: string): void {
  if (process.env.RODIN_FAILPOINT === name) process.kill(process.pid, 'SIGKILL')
}
