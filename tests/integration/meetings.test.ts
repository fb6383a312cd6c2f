/**
 * Meetings over the real SFU (real mediasoup, Redis) with socket.io clients and no browser:
 * who may see and join which meeting, and host actions refused (and audited) for anyone but
 * the host. Media is covered by tests/e2e/meeting.e2e.test.ts.
 */
import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, MeetingState, RtpCapabilities, ServerToClientEvents } from '@county/shared';
import { addUsers, api, browserSocket, startStack, waitFor, type Stack } from '../support/stack';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let stack: Stack;
const tokens: Record<string, string> = {};
const sockets: Client[] = [];

function socket(user: string): Client {
  const s = browserSocket(stack.baseUrl, tokens[user]);
  sockets.push(s);
  return s;
}

async function request<T>(s: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<T>> {
  return (await (s.timeout(10_000).emitWithAck as (e: string, p: unknown) => Promise<Ack<T>>)(event, payload)) as Ack<T>;
}

/** Joins the meeting's room and enters it (no media): the state it answers. */
async function enter(user: string, meetingId: string, peerId: string): Promise<{ s: Client; state: MeetingState }> {
  const s = socket(user);
  const joined = await request<{ routerRtpCapabilities: RtpCapabilities }>(s, 'room:join', { roomId: `meeting:${meetingId}` });
  if (!joined.ok) throw new Error(`${user} join: ${joined.error.message}`);
  const recv = await request<{ id: string }>(s, 'transport:create', { direction: 'recv' });
  if (!recv.ok) throw new Error(recv.error.message);
  const entered = await request<MeetingState>(s, 'meeting:enter', { peerId, rtpCapabilities: joined.data.routerRtpCapabilities, recvTransportId: recv.data.id });
  if (!entered.ok) throw new Error(`${user} enter: ${entered.error.message}`);
  return { s, state: entered.data };
}

beforeAll(async () => {
  stack = await startStack({ gateway: false });
  const admin = async (path: string, body: unknown) => expect((await api(stack.baseUrl, 'POST', path, body)).status).toBe(201);
  await admin('/api/townships', { id: 'longli', name: '龙里镇' });
  await admin('/api/townships', { id: 'xima', name: '洗马镇' });
  await admin('/api/sites', { id: 'bridge', name: '大桥工地', townshipId: 'longli' });
  Object.assign(
    tokens,
    await addUsers(stack.baseUrl, [
      { username: 'op-zhang', password: 'operator-pass-1', role: 'operator' } as never,
      { username: 'longli-clerk', password: 'longli-pass-1', role: 'township', townshipId: 'longli' } as never,
      { username: 'xima-clerk', password: 'xima-pass-123', role: 'township', townshipId: 'xima' } as never,
      { username: 'inspector-wang', password: 'inspector-pass-1', role: 'inspector', siteIds: ['bridge'] } as never,
    ]),
  );
  tokens.admin = stack.adminToken;
  await admin('/api/meetings', { id: 'longli-weekly', title: '龙里镇周例会', townshipIds: ['longli'], host: 'op-zhang' });
  await admin('/api/meetings', { id: 'county-all', title: '全县调度会', host: 'op-zhang' });
  await admin('/api/meetings', { id: 'site-call', title: '大桥工地连线', townshipIds: ['xima'], usernames: ['inspector-wang'] });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await stack.stop();
});

test('a township user sees only meetings that invite its township (and county-wide ones)', async () => {
  const list = async (user: string) =>
    ((await api(stack.baseUrl, 'GET', '/api/meetings', undefined, { token: tokens[user] })).json as { id: string }[]).map((m) => m.id).sort();
  expect(await list('longli-clerk')).toEqual(['county-all', 'longli-weekly']);
  expect(await list('xima-clerk')).toEqual(['county-all', 'site-call']);
  expect(await list('inspector-wang')).toEqual(['county-all', 'site-call']);
  expect(await list('op-zhang')).toEqual(['county-all', 'longli-weekly', 'site-call']);
  const foreign = await api(stack.baseUrl, 'GET', '/api/meetings/longli-weekly', undefined, { token: tokens['xima-clerk'] });
  expect(foreign.status).toBe(403);
});

test('creating a meeting: an id is generated, the host defaults to the creator, bad input is refused and stores nothing', async () => {
  const r = await api(stack.baseUrl, 'POST', '/api/meetings', { title: '防汛会商' }, { token: tokens['op-zhang'] });
  expect(r.status).toBe(201);
  const m = r.json as { id: string; host: string; status: string; units: unknown[] };
  expect(m.id).toMatch(/^m-[a-z0-9]+-[0-9a-f]{6}$/);
  expect(m).toEqual(expect.objectContaining({ host: 'op-zhang', status: 'live', units: [] }));
  const before = ((await api(stack.baseUrl, 'GET', '/api/meetings')).json as unknown[]).length;
  for (const body of [{}, { title: '' }, { title: 'x', townshipIds: ['nowhere'] }, { title: 'x', units: [{ id: 'Bad Id', name: 'x', kind: 'township' }] }, { title: 'x', extra: 1 }]) {
    const bad = await api(stack.baseUrl, 'POST', '/api/meetings', body);
    expect([JSON.stringify(body), bad.status]).toEqual([JSON.stringify(body), 400]);
  }
  expect(((await api(stack.baseUrl, 'GET', '/api/meetings')).json as unknown[]).length).toBe(before);
  const clerk = await api(stack.baseUrl, 'POST', '/api/meetings', { title: '私开会议' }, { token: tokens['longli-clerk'] });
  expect(clerk.status).toBe(403);
});

test('joining a meeting that does not exist, is not for you, or has ended: a clear message', async () => {
  const s = socket('longli-clerk');
  const missing = await request(s, 'room:join', { roomId: 'meeting:no-such-meeting' });
  expect(missing).toEqual({ ok: false, error: { code: 'not_found', message: 'meeting no-such-meeting not found' } });
  const foreign = await request(s, 'room:join', { roomId: 'meeting:site-call' });
  expect(foreign).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
  const r = await api(stack.baseUrl, 'POST', '/api/meetings', { id: 'ends-soon', title: '将结束' }, { token: tokens['op-zhang'] });
  expect(r.status).toBe(201);
  const host = await enter('op-zhang', 'ends-soon', 'host-peer-0001');
  const left = new Promise((resolve) => host.s.once('meeting:left', resolve));
  expect(await request(host.s, 'meeting:host', { action: 'end' })).toEqual({ ok: true, data: null });
  expect(await left).toEqual({ reason: 'ended' });
  const late = await request(s, 'room:join', { roomId: 'meeting:ends-soon' });
  expect(late).toEqual({ ok: false, error: { code: 'conflict', message: 'meeting ends-soon has ended' } });
});

test('a participant forging host actions is refused, nothing changes, and the attempt is in the audit log', async () => {
  const host = await enter('op-zhang', 'longli-weekly', 'host-peer-0002');
  const clerk = await enter('longli-clerk', 'longli-weekly', 'clerk-peer-0001');
  expect(clerk.state.participants.map((p) => [p.username, p.host])).toEqual([
    ['op-zhang', true],
    ['longli-clerk', false],
  ]);
  const forged = [
    { action: 'mute', peerId: 'host-peer-0002' },
    { action: 'mute-all' },
    { action: 'spotlight', tileId: 'clerk-peer-0001' },
    { action: 'remove', peerId: 'host-peer-0002' },
    { action: 'make-host', peerId: 'clerk-peer-0001' },
    { action: 'rollcall-start' },
    { action: 'camera-add', cameraId: 'bridge-pano' },
    { action: 'end' },
  ];
  for (const action of forged) {
    const r = await request(clerk.s, 'meeting:host', action);
    expect([action.action, r]).toEqual([action.action, { ok: false, error: { code: 'forbidden', message: 'only the host may do that' } }]);
  }
  // Malformed actions are refused before anything runs.
  for (const bad of [{ action: 'explode' }, { action: 'mute' }, { action: 'spotlight', tileId: '<script>' }, 'mute']) {
    const r = await request(host.s, 'meeting:host', bad);
    expect(r.ok).toBe(false);
  }
  const state = (await api(stack.baseUrl, 'GET', '/api/meetings/longli-weekly')).json as { host: string; status: string; rollCall?: unknown };
  expect(state).toEqual(expect.objectContaining({ host: 'op-zhang', status: 'live' }));
  expect(state.rollCall).toBeUndefined();
  const audit = (await api(stack.baseUrl, 'GET', '/api/audit?action=meeting.control&actor=longli-clerk')).json as { entries: { ok: boolean; detail?: string; target?: string }[] };
  expect(audit.entries).toHaveLength(forged.length);
  expect(audit.entries.every((e) => !e.ok && e.target === 'longli-weekly' && e.detail?.endsWith(': forbidden'))).toBe(true);
  // The host may, and that is audited too.
  expect(await request(host.s, 'meeting:host', { action: 'spotlight', tileId: 'clerk-peer-0001' })).toEqual({ ok: true, data: null });
  const ok = (await api(stack.baseUrl, 'GET', '/api/audit?action=meeting.control&actor=op-zhang')).json as { entries: { ok: boolean; detail?: string }[] };
  expect(ok.entries[0]).toEqual(expect.objectContaining({ ok: true, detail: 'spotlight clerk-peer-0001' }));
});

test('handing over the host role is kept in the store and survives the new host reconnecting', async () => {
  const host = await enter('op-zhang', 'county-all', 'host-peer-0003');
  const clerk = await enter('xima-clerk', 'county-all', 'xima-peer-0001');
  expect(await request(host.s, 'meeting:host', { action: 'make-host', peerId: 'xima-peer-0001' })).toEqual({ ok: true, data: null });
  expect(((await api(stack.baseUrl, 'GET', '/api/meetings/county-all')).json as { host: string }).host).toBe('xima-clerk');
  clerk.s.close();
  const back = await enter('xima-clerk', 'county-all', 'xima-peer-0001');
  const me = back.state.participants.find((p) => p.peerId === 'xima-peer-0001');
  expect(me).toEqual(expect.objectContaining({ host: true, reconnecting: false }));
  expect(back.state.participants.filter((p) => p.username === 'xima-clerk')).toHaveLength(1);
  // The old host is now refused.
  const r = await request(host.s, 'meeting:host', { action: 'mute-all' });
  expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
});

test('a peer id belonging to someone else cannot be taken over', async () => {
  await enter('op-zhang', 'county-all', 'host-peer-0004');
  await expect(enter('longli-clerk', 'county-all', 'host-peer-0004')).rejects.toThrow('that peer id belongs to someone else');
});

test('calling a site rings its inspector (and, from a plan, the township center) on every page they open, until answered', async () => {
  const inspector = socket('inspector-wang');
  const township = socket('longli-clerk');
  const other = socket('xima-clerk');
  await Promise.all([inspector, township, other].map((s) => new Promise((r) => (s.connected ? r(null) : s.once('connect', () => r(null))))));
  const heard: Record<string, string[]> = { inspector: [], township: [], other: [] };
  inspector.on('call:ringing', (c) => heard.inspector!.push(c.meetingId));
  township.on('call:ringing', (c) => heard.township!.push(c.meetingId));
  other.on('call:ringing', (c) => heard.other!.push(c.meetingId));

  expect((await api(stack.baseUrl, 'POST', '/api/sites/bridge/call', {}, { token: tokens['longli-clerk'] })).status).toBe(403);
  expect((await api(stack.baseUrl, 'POST', '/api/sites/nowhere/call', {})).status).toBe(404);
  expect((await api(stack.baseUrl, 'POST', '/api/sites/bridge/call', { withTownship: 'yes' })).status).toBe(400);

  const r = await api(stack.baseUrl, 'POST', '/api/sites/bridge/call', {}, { token: tokens['op-zhang'] });
  expect(r.status).toBe(201);
  const call = r.json as { id: string; host: string; usernames: string[]; siteId: string; title: string };
  expect(call).toEqual(expect.objectContaining({ host: 'op-zhang', usernames: ['inspector-wang'], siteId: 'bridge', title: '现场连线：大桥工地' }));
  for (let i = 0; i < 50 && heard.inspector!.length === 0; i++) await new Promise((res) => setTimeout(res, 50));
  expect(heard).toEqual({ inspector: [call.id], township: [], other: [] });

  // A page the inspector opens while it rings rings too.
  const phone = socket('inspector-wang');
  const rung = await new Promise<string>((res) => phone.once('call:ringing', (c) => res(c.meetingId)));
  expect(rung).toBe(call.id);
  // Accepting on the phone stops the ringing on every page.
  const stopped = new Promise<string>((res) => inspector.once('call:ended', (m) => res(m.meetingId)));
  expect(await request(phone, 'call:answer', { meetingId: call.id, accept: true })).toEqual({ ok: true, data: null });
  expect(await stopped).toBe(call.id);
  const later = socket('inspector-wang');
  const none = await new Promise<string>((res) => {
    later.once('call:ringing', () => res('rang'));
    setTimeout(() => res('silent'), 1000);
  });
  expect(none).toBe('silent');
  // The inspector may join it; a user of another township may not.
  await enter('inspector-wang', call.id, 'insp-peer-0001');
  expect(await request(socket('xima-clerk'), 'room:join', { roomId: `meeting:${call.id}` })).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });

  // With the township center (an emergency plan's call): the township's users ring too.
  const both = await api(stack.baseUrl, 'POST', '/api/sites/bridge/call', { withTownship: true, title: '大桥防汛' });
  const id = (both.json as { id: string }).id;
  for (let i = 0; i < 50 && !heard.township!.includes(id); i++) await new Promise((res) => setTimeout(res, 50));
  expect(heard.township).toEqual([id]);
  expect(heard.other).toEqual([]);
});

test('a guest link: that meeting only, through the lobby (admit or deny), refused once expired', async () => {
  await api(stack.baseUrl, 'POST', '/api/meetings', { id: 'with-guests', title: '专家会商', townshipIds: ['longli'], host: 'op-zhang' });
  const link = async (body: unknown, user = 'op-zhang') => api(stack.baseUrl, 'POST', '/api/meetings/with-guests/guest-links', body, { token: tokens[user] });
  expect((await link({ name: '省水利厅 张专家' }, 'longli-clerk')).status).toBe(403);
  expect((await link({ name: '' })).status).toBe(400);
  expect((await link({ name: 'x', expiresAt: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
  expect((await link({ name: 'x', expiresAt: new Date(Date.now() + 8 * 86_400_000).toISOString() })).status).toBe(400);
  const made = await link({ name: '省水利厅 张专家' });
  expect(made.status).toBe(201);
  const { token, url, expiresAt } = made.json as { token: string; url: string; expiresAt: string };
  expect(url).toBe(`/guest/${token}`);
  expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
  tokens.guest = token;

  const host = await enter('op-zhang', 'with-guests', 'host-peer-0005');
  // The guest reaches only this meeting, and nothing else of the county.
  const guest = socket('guest');
  expect(await request(guest, 'room:join', { roomId: 'meeting:county-all' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
  expect((await api(stack.baseUrl, 'GET', '/api/cameras', undefined, { token })).status).toBe(403);
  const lobbyNews = new Promise<MeetingState>((res) => host.s.on('meeting:state', (st) => st.lobby.length && res(st)));
  const joined = await request<{ routerRtpCapabilities: RtpCapabilities }>(guest, 'room:join', { roomId: 'meeting:with-guests' });
  expect(joined.ok).toBe(true);
  const recv = await request<{ id: string }>(guest, 'transport:create', { direction: 'recv' });
  const enterReq = { peerId: 'guest-peer-0001', rtpCapabilities: joined.ok ? joined.data.routerRtpCapabilities : {}, recvTransportId: recv.ok ? recv.data.id : '' };
  const waiting = await request<MeetingState>(guest, 'meeting:enter', enterReq);
  expect(waiting).toEqual({ ok: true, data: expect.objectContaining({ waiting: true, participants: [], cameras: [] }) });
  expect((await lobbyNews).lobby).toEqual([{ peerId: 'guest-peer-0001', displayName: '省水利厅 张专家' }]);
  // A guest cannot let themselves in.
  expect(await request(guest, 'meeting:host', { action: 'admit', peerId: 'guest-peer-0001' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
  const admitted = new Promise((res) => guest.once('meeting:admitted', () => res(true)));
  expect(await request(host.s, 'meeting:host', { action: 'admit', peerId: 'guest-peer-0001' })).toEqual({ ok: true, data: null });
  expect(await admitted).toBe(true);
  const inside = await request<MeetingState>(guest, 'meeting:enter', enterReq);
  expect(inside.ok && inside.data.participants.find((p) => p.peerId === 'guest-peer-0001')).toEqual(
    expect.objectContaining({ displayName: '省水利厅 张专家', unit: { kind: 'guest', name: '省水利厅 张专家' }, host: false }),
  );
  expect(await request(guest, 'meeting:host', { action: 'end' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });

  // Denied: told so, never in.
  const second = (await link({ name: '路人' })).json as { token: string };
  tokens.guest2 = second.token;
  const other = socket('guest2');
  const j2 = await request<{ routerRtpCapabilities: RtpCapabilities }>(other, 'room:join', { roomId: 'meeting:with-guests' });
  const r2 = await request<{ id: string }>(other, 'transport:create', { direction: 'recv' });
  await request(other, 'meeting:enter', { peerId: 'guest-peer-0002', rtpCapabilities: j2.ok ? j2.data.routerRtpCapabilities : {}, recvTransportId: r2.ok ? r2.data.id : '' });
  const denied = new Promise((res) => other.once('meeting:left', res));
  expect(await request(host.s, 'meeting:host', { action: 'deny', peerId: 'guest-peer-0002' })).toEqual({ ok: true, data: null });
  expect(await denied).toEqual({ reason: 'denied' });

  // Expired: the link no longer opens a socket.
  const brief = (await link({ name: '短时访客', expiresAt: new Date(Date.now() + 1500).toISOString() })).json as { token: string };
  await new Promise((res) => setTimeout(res, 2500));
  const late = browserSocket(stack.baseUrl, brief.token);
  sockets.push(late);
  const refused = await new Promise<string>((res) => {
    late.once('connect', () => res('connected'));
    late.once('connect_error', (err) => res(err.message));
  });
  expect(refused).toBe('unauthorized');
  // No token ever reaches the audit log.
  const audit = (await api(stack.baseUrl, 'GET', '/api/audit?action=meeting.guest-link')).text;
  expect(audit).not.toContain(token.split('.')[2]);
});

test('recording uploads: only the host, only while recording, in order; files only by their own names', async () => {
  await api(stack.baseUrl, 'POST', '/api/meetings', { id: 'recorded', title: '录制测试', townshipIds: ['longli'], host: 'op-zhang' });
  const host = await enter('op-zhang', 'recorded', 'host-peer-0006');
  await enter('longli-clerk', 'recorded', 'clerk-peer-0006');
  const on = new Promise<MeetingState>((res) => host.s.on('meeting:state', (st) => st.recording && res(st)));
  expect(await request(host.s, 'meeting:host', { action: 'record-start' })).toEqual({ ok: true, data: null });
  const rec = (await on).recordingId!;
  const chunk = async (seq: number, user = 'op-zhang', id = rec, bytes = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, seq])) =>
    (await fetch(`${stack.baseUrl}/api/meetings/recorded/recordings/${id}/chunks/${seq}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'video/webm' },
      body: bytes,
    })).status;
  expect(await chunk(0, 'longli-clerk')).toBe(403);
  expect(await chunk(1)).toBe(409); // out of order
  expect(await chunk(0, 'op-zhang', '20200101T000000Z')).toBe(409); // not the running one
  expect(await chunk(0, 'op-zhang', '..%2F..%2Fetc')).toBe(400);
  expect(await chunk(0, 'op-zhang', rec, Buffer.alloc(0))).toBe(400);
  expect(await chunk(0)).toBe(204);
  expect(await chunk(0)).toBe(409); // a repeat
  expect(await chunk(1)).toBe(204);
  expect(await request(host.s, 'meeting:host', { action: 'record-stop' })).toEqual({ ok: true, data: null });
  expect(await chunk(2)).toBe(409); // stopped
  const list = (await api(stack.baseUrl, 'GET', '/api/meetings/recorded/recordings', undefined, { token: tokens['longli-clerk'] })).json as { url: string; bytes: number }[];
  expect(list).toEqual([expect.objectContaining({ bytes: 10 })]);
  const body = Buffer.from(await (await fetch(`${stack.baseUrl}${list[0]!.url}`, { headers: { authorization: `Bearer ${tokens['longli-clerk']}` } })).arrayBuffer());
  expect(body.toString('hex')).toBe('1a45dfa3001a45dfa301');
  expect((await api(stack.baseUrl, 'GET', '/api/meetings/recorded/recordings/..%2F..%2Fcv.webm')).status).toBe(404);
  expect((await api(stack.baseUrl, 'GET', '/api/meetings/recorded/recordings', undefined, { token: tokens['xima-clerk'] })).status).toBe(403);
});

test('someone the host removed waits in the lobby when they come back; while the host is away an operator stands in', async () => {
  await api(stack.baseUrl, 'POST', '/api/meetings', { id: 'sticky', title: '移出测试', townshipIds: ['longli'], host: 'op-zhang' });
  const host = await enter('op-zhang', 'sticky', 'host-peer-0007');
  const clerk = await enter('longli-clerk', 'sticky', 'clerk-peer-0007');
  const gone = new Promise((res) => clerk.s.once('meeting:left', res));
  expect(await request(host.s, 'meeting:host', { action: 'remove', peerId: 'clerk-peer-0007' })).toEqual({ ok: true, data: null });
  expect(await gone).toEqual({ reason: 'removed' });
  // A fresh tab (new peer id) does not get them back in: the lobby.
  const again = socket('longli-clerk');
  const j = await request<{ routerRtpCapabilities: RtpCapabilities }>(again, 'room:join', { roomId: 'meeting:sticky' });
  const t = await request<{ id: string }>(again, 'transport:create', { direction: 'recv' });
  const back = await request<MeetingState>(again, 'meeting:enter', { peerId: 'clerk-peer-0008', rtpCapabilities: j.ok ? j.data.routerRtpCapabilities : {}, recvTransportId: t.ok ? t.data.id : '' });
  expect(back).toEqual({ ok: true, data: expect.objectContaining({ waiting: true }) });

  // The host's link drops: an operator in the meeting may act meanwhile; a township user may not.
  const admin = await enter('admin', 'sticky', 'admin-peer-0007');
  expect(await request(admin.s, 'meeting:host', { action: 'mute-all' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
  host.s.close();
  await waitFor('host reconnecting', () => stack.sfu.meetings.live('sticky')?.state().participants.find((p) => p.username === 'op-zhang')?.reconnecting || undefined);
  expect(await request(admin.s, 'meeting:host', { action: 'admit', peerId: 'clerk-peer-0008' })).toEqual({ ok: true, data: null });
});
