// mtcute (npm @mtcute/node), unmodified, straight to the tgtui sandbox: a fresh login (key
// exchange, code, 2FA password), every dialog, then one forum's topics, paged two at a time
// by mtcute's own iterForumTopics (messages.getForumTopics with the offsets it computes).
// The only changes are the ones any test server needs: trust the sandbox's RSA key and start
// at its home DC. Prints one JSON object on stdout.
//
// Usage: node mtcute_forum_client.mjs '<json config>' (see tests/sandbox/test_forum_clients.py)
import { MemoryStorage, TelegramClient } from "@mtcute/node";
import { NodeCryptoProvider, addPublicKey } from "@mtcute/node/utils.js";

async function main() {
    const cfg = JSON.parse(process.argv[2]);
    const home = { id: cfg.home_dc, ipAddress: cfg.host, port: cfg.home_port };
    const crypto = new NodeCryptoProvider();
    await crypto.initialize();
    addPublicKey(crypto, cfg.rsa_public_key);
    const client = new TelegramClient({
        crypto,
        apiId: cfg.api_id,
        apiHash: cfg.api_hash,
        storage: new MemoryStorage(),
        defaultDcs: { main: home, media: { ...home, mediaOnly: true } },
        logLevel: 1, // errors only
    });
    const out = {};
    try {
        const me = await client.start({
            phone: cfg.phone,
            code: () => cfg.code,
            password: () => cfg.password,
        });
        out.me = String(me.id);
        out.dialogs = [];
        for await (const dialog of client.iterDialogs()) {
            out.dialogs.push(String(dialog.peer.id));
        }
        out.topics = [];
        for await (const topic of client.iterForumTopics(Number(cfg.forum), { chunkSize: 2 })) {
            out.topics.push({
                id: topic.id,
                title: topic.title,
                closed: topic.isClosed,
                pinned: topic.isPinned,
                top: topic.lastMessage.id,
            });
        }
    } finally {
        await client.destroy();
    }
    process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
    process.exit(1);
});
