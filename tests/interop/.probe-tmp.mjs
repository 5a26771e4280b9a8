import { startAdminHost, adminRequest, scrape } from '/work/main/tests/interop/lib/admin.mjs';
import { LeafClient, newDoc, appendText, randomEntityId } from '/work/main/tests/interop/lib/leaf.mjs';
import { delay } from '/work/main/tests/interop/lib/util.mjs';
const host = await startAdminHost();
try {
  const c = await LeafClient.connect(host.wsUrl('did:web:alice.test'), host.token);
  const e = randomEntityId(); const doc = newDoc();
  await c.subscribe(e, doc);
  appendText(doc, 'hello'); await delay(100); appendText(doc, ' world'); await delay(300);
  for (const [m,p,b] of [['GET','/admin/sessions'],['GET','/admin/documents'],['GET',`/admin/documents/${e}`],['GET','/admin/tokens'],['POST','/admin/tokens',{did:'did:web:bob.test'}],['GET','/admin/tokens'],['POST','/admin/bans',{did:'did:web:alice.test',reason:'spam'}],['GET','/admin/bans'],['GET','/admin/log'],['PUT','/admin/sessions'],['GET','/admin'],['POST','/admin/bans','{bad'],['POST','/admin/bans',{did:'did:web:x.test',until:'2020-01-01T00:00:00Z'}],['POST','/admin/bans',{did:'did:web:y.test',until:'2020-01-01'}],['POST','/admin/bans',{did:'did:web:y.test',until:'2020-01-01T00:00:00+02:00'}]]) {
    const r = await adminRequest(host, m, p, b===undefined?{}:{body:b});
    console.log(m, p, r.status, r.text.slice(0, 1500));
  }
  console.log('close', c.closeInfo);
  console.log((await scrape(host)).text);
} finally { await host.dispose(); }
