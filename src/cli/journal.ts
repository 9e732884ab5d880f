import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { journalDir } from '../store/store.js'
import { writeFileAtomic } from '../util/atomic.js'

/**
 * One generation request, written before it is sent. `sending`: the request may be on its way (a crash
 * leaves this); `lost`: it was sent and the answer never came; `created`: the task exists but the manifest
 * was not written yet. Entries hold no credential: the task uuid at most.
 */
export interface JournalEntry {
  alias: string
  route: string
  /** sha256 of the request (fields and file contents). */
  formSha256: string
  cost: number
  /** ISO time the request was about to be sent. */
  time: string
  state: 'sending' | 'lost' | 'created'
  reason?: string
  task?: string
}

/** `<cacheDir>/v1/journal/<alias>.json`: lives next to the store, so `gc` leaves it alone. */
export class Journal {
  readonly dir: string

  constructor(cacheDir: string) {
    this.dir = journalDir(cacheDir)
  }

  path(alias: string): string {
    return join(this.dir, `${alias}.json`)
  }

  async write(entry: JournalEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    await writeFileAtomic(this.path(entry.alias), `${JSON.stringify(entry, null, 2)}\n`, 'journal-temp-written')
  }

  async read(alias: string): Promise<JournalEntry | null> {
    try {
      return JSON.parse(await readFile(this.path(alias), 'utf8')) as JournalEntry
    } catch {
      return null
    }
  }

  async list(): Promise<JournalEntry[]> {
    const names = await readdir(this.dir).catch(() => [] as string[])
    const entries = await Promise.all(
      names.filter(n => n.endsWith('.json') && !n.startsWith('.')).map(n => this.read(n.slice(0, -5))),
    )
    return entries.filter((e): e is JournalEntry => e !== null)
  }

  async remove(alias: string): Promise<void> {
    await rm(this.path(alias), { force: true })
  }
}

/** One line for `status` and `generate`: what happened and what to do. */
export function describeJournalEntry(e: JournalEntry, journal: Journal): string {
  const what = `generate "${e.alias}" (${e.route}, ${e.cost} credits) at ${e.time}`
  if (e.state === 'created')
    return `${what} created task ${e.task}, but the manifest was not updated: add "${e.alias}": { "task": "${e.task}" } to it (then delete ${journal.path(e.alias)}).`
  const why = e.state === 'lost' ? `was sent but its answer was lost (${e.reason ?? 'unknown'})` : 'was interrupted'
  return `${what} ${why}: a task may exist and may have been billed. Check the Hyper3D dashboard; add the task to the manifest if it exists, or run "rodin-assets generate ${e.alias} --resubmit" to send it again.`
}
