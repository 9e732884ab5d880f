import type { CliIO } from '../context.js'

/** Serves the local API emulator until interrupted, and prints how to point a build at it. */
export async function emulator(io: CliIO, port: number, apiKey?: string): Promise<void> {
  const { startEmulator } = await import('../../emulator/index.js')
  const emu = await startEmulator({ port, apiKey })
  // Listening before the banner: a supervisor that signals as soon as it reads the banner stops us cleanly.
  const stopped = new Promise<void>(resolve => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  io.out(`unplugin-rodin emulator listening on ${emu.url}`)
  io.out('Point a build at it with:')
  io.out(`  RODIN_BASE_URL=${emu.rodinBaseURL} RODIN_API_KEY=${emu.apiKey}`)
  io.out(`  MODELSLAB_BASE_URL=${emu.modelslabBaseURL} MODELSLAB_API_KEY=${emu.apiKey}`)
  io.out(
    `  GETTY_BASE_URL=${emu.gettyBaseURL} GETTY_TOKEN_URL=${emu.gettyTokenURL} GETTY_API_KEY=${emu.apiKey} GETTY_CLIENT_ID=${emu.gettyClientId} GETTY_CLIENT_SECRET=${emu.gettyClientSecret}`,
  )
  io.out(`Try generating (the emulator bills ${emu.balance} fake credits):`)
  io.out(
    `  RODIN_BASE_URL=${emu.rodinBaseURL} RODIN_API_KEY=${emu.apiKey} npx rodin-assets generate my-crate --prompt "a wooden crate" --yes`,
  )
  io.out('Press Ctrl+C to stop.')
  await stopped
  await emu.close()
}
