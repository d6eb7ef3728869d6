import { describeEveryRoute } from './routes.suite';
import { postgresApp } from './postgres-support';

describeEveryRoute(postgresApp);
