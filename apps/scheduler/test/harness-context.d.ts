// The harness declares what its vitest globalSetup provides in global-setup.ts, which its
// index does not import; import it for its types so this project's type check sees them.
import type {} from '../../../packages/adapters/test/harness/global-setup';
