import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../../../src/options.js'
import { resolveRemote } from '../../../src/store/remote-options.js'

const bad = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('expected an error')
}

describe('the remote option (§7)', () => {
  it('is off unless set; RODIN_REMOTE sets it; false wins over the env', () => {
    expect(resolveRemote(undefined, {})).toBeNull()
    expect(resolveRemote(false, { RODIN_REMOTE: 's3://bucket-a' })).toBeNull()
    expect(resolveRemote(undefined, { RODIN_REMOTE: 's3://bucket-a/team/x/' })).toEqual({
      kind: 's3',
      label: 's3://bucket-a/team/x',
      readOnly: false,
      bucket: 'bucket-a',
      prefix: 'team/x',
      endpoint: undefined,
      region: 'us-east-1',
    })
  })

  it('takes the endpoint, region and read-only switch from the object or the env', () => {
    const r = resolveRemote(undefined, {
      RODIN_REMOTE: 's3://assets',
      RODIN_REMOTE_ENDPOINT: 'https://acc.r2.cloudflarestorage.com',
      RODIN_REMOTE_READONLY: 'true',
      AWS_REGION: 'auto',
    })
    expect(r).toMatchObject({
      bucket: 'assets',
      endpoint: 'https://acc.r2.cloudflarestorage.com',
      region: 'auto',
      readOnly: true,
    })
    expect(
      resolveRemote({ url: 's3://assets', region: 'eu-west-1', readOnly: true }, { AWS_REGION: 'us-east-2' }),
    ).toMatchObject({
      region: 'eu-west-1',
      readOnly: true,
    })
    // The env's read-only switch wins: a pull-request job never writes, whatever the config says.
    expect(resolveRemote({ url: 's3://assets', readOnly: false }, { RODIN_REMOTE_READONLY: '1' })?.readOnly).toBe(true)
    expect(resolveRemote({ readOnly: true } as never, { RODIN_REMOTE: '/mnt/team' })).toEqual({
      kind: 'fs',
      label: 'file:///mnt/team',
      readOnly: true,
      dir: '/mnt/team',
    })
  })

  it('accepts file:// URLs and absolute paths', () => {
    expect(resolveRemote('file:///srv/rodin%20assets', {})).toMatchObject({ kind: 'fs', dir: '/srv/rodin assets' })
    expect(resolveRemote('/srv/rodin', {})).toMatchObject({ kind: 'fs', dir: '/srv/rodin' })
  })

  it('rejects bad values with the fix', () => {
    expect(bad(() => resolveRemote('assets/team', {}))).toMatch(/E_CONFIG: .*not supported: use "s3:\/\/<bucket>/)
    expect(bad(() => resolveRemote('s3://A_B', {}))).toMatch(/"A_B" is not a valid bucket name/)
    expect(bad(() => resolveRemote('s3://bucket/../x', {}))).toMatch(/may not contain/)
    expect(bad(() => resolveRemote({ url: 's3://bucket', endpoint: 'http://minio.internal:9000' }, {}))).toMatch(
      /remote\.endpoint \(RODIN_REMOTE_ENDPOINT\): .*plain http to minio\.internal is not encrypted/,
    )
    expect(bad(() => resolveRemote({ url: 's3://bucket', bucket: 'x' } as never, {}))).toMatch(
      /unknown key remote\.bucket/,
    )
    expect(bad(() => resolveRemote({ url: '/x', endpoint: 'https://e' }, {}))).toMatch(/only applies to s3/)
  })

  it('loopback http endpoints are allowed (a local MinIO or s3rver)', () => {
    expect(resolveRemote({ url: 's3://bucket', endpoint: 'http://127.0.0.1:9000' }, {})).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
    })
  })

  it('is a plugin option resolved with the rest', () => {
    expect(resolveOptions({ remote: 's3://bucket-b' }, '/p', {}).remote).toMatchObject({ bucket: 'bucket-b' })
    expect(resolveOptions({}, '/p', { RODIN_REMOTE: '/team' }).remote).toMatchObject({ dir: '/team' })
    expect(resolveOptions({}, '/p', {}).remote).toBeNull()
  })
})
