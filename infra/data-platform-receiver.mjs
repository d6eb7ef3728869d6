// A stand-in for the data team's platform: verifies each event's signature, answers 204 and
// prints the event. Run with DATA_PLATFORM_SECRET set; listens on PORT (default 4000).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.DATA_PLATFORM_SECRET;
if (!secret) throw new Error('DATA_PLATFORM_SECRET is required');
const seen = new Set();

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(req.headers['x-signature'] ?? '');
    const expected = match && createHmac('sha256', secret).update(`${match[1]}.${body}`).digest();
    if (!match || !timingSafeEqual(expected, Buffer.from(match[2], 'hex'))) {
      res.writeHead(401).end();
      return;
    }
    const event = JSON.parse(body);
    const duplicate = seen.has(event.eventId);
    seen.add(event.eventId);
    console.log(JSON.stringify({ eventId: event.eventId, orderId: event.data?.orderId, duplicate }));
    res.writeHead(204).end();
  });
}).listen(Number(process.env.PORT ?? 4000), '0.0.0.0');
