import Fastify from 'fastify';

/*
 * The product-read ceiling: a bare Fastify server with the one route of the scenario, answering
 * a constant product. Started by bench/run.ts as a child process, like the service, and loaded
 * by the same autocannon setup; whatever the service does on top of this costs the difference.
 */
const product = { id: 1, name: 'Bench product 1', price: 4700, stock: 1000000 };
const app = Fastify({ logger: false });
app.get('/products/:productId', async () => product);
app.get('/health/ready', async () => ({ status: 'ok' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3999) });
const close = (): void => void app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);
