/**
 * Crash-safety tests need to kill a build at exact steps. `RODIN_FAILPOINT=<name>` makes the process
 * SIGKILL itself (or `pid`: an optimizer child kills the build it works for) when it reaches that step; unset,
 * this is one env lookup.
 */
export function failpoint(name: string, pid: number = process.pid): void {
  if (process.env.RODIN_FAILPOINT === name) process.kill(pid, 'SIGKILL')
}
