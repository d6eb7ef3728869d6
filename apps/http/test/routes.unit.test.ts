import { describeEveryRoute } from './routes.suite';
import { inMemoryApp } from './support';

describeEveryRoute(inMemoryApp);
