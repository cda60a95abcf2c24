import { Knex } from 'knex';
import {
  LoggerService,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  RootConfigService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { AuditStore } from '../AuditStore';
import { AuditKeyring } from './hmacKeys';
import { checkpointSinkFromConfig } from './checkpointSinkFromConfig';
import { AuditCheckpointer } from './AuditCheckpointer';
import {
  AuditVerifyJob,
  AuditVerifyRun,
  AuditVerifyStatus,
  toVerifyStatus,
} from './AuditVerifyJob';

export const AUDIT_VERIFY_TASK_ID = 'platform-audit-verify';
export const AUDIT_VERIFY_FULL_TASK_ID = 'platform-audit-verify-full';
export const AUDIT_CHECKPOINT_TASK_ID = 'platform-audit-checkpoint';

/**
 * The audit store with its keys, the checkpoint sink and the scheduled tasks: copy the head
 * to the sink (default every 5 minutes), verify incrementally from the newest checkpoint
 * (default hourly) and in full (default daily); "verify now" runs in full. Config:
 * `platform.audit.hmacKeys`, `currentHmacKeyId`, `checkpoints.*`, `checkpoints.schedule`,
 * `verify.schedule`, `verify.fullSchedule`.
 */
export interface AuditChain {
  audit: AuditStore;
  checkpointer: AuditCheckpointer;
  verifyJob: AuditVerifyJob;
  /** The last finished verify run, flattened for the API, and the runs pending. */
  verifyStatus(): Promise<AuditVerifyStatus>;
  /** Stores a verify request and starts the job in the background; does not wait for it. */
  requestVerify(requestedBy: string): Promise<{ id: string }>;
}

export async function createAuditChain(options: {
  knex: Knex;
  config: RootConfigService;
  logger: LoggerService;
  scheduler: SchedulerService;
}): Promise<AuditChain> {
  const { knex, config, logger, scheduler } = options;
  const { keyring, insecure } = AuditKeyring.fromConfig(config);
  if (insecure) {
    logger.warn(
      'platform.audit.hmacKeys is not set: the audit chain is signed with the published development key and is not tamper-evident against database access (docs/security.md)',
    );
  }
  const audit = new AuditStore(knex, { keyring });
  const sink = checkpointSinkFromConfig(config);
  const checkpointer = new AuditCheckpointer(audit, sink);
  const verifyJob = new AuditVerifyJob({ knex, audit, sink });

  const schedule = (
    key: string,
    fallback: SchedulerServiceTaskScheduleDefinition,
  ): SchedulerServiceTaskScheduleDefinition =>
    config.has(key)
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          config.getConfig(key),
        )
      : fallback;

  await scheduler.scheduleTask({
    id: AUDIT_CHECKPOINT_TASK_ID,
    scope: 'global',
    ...schedule('platform.audit.checkpoints.schedule', {
      frequency: { minutes: 5 },
      timeout: { minutes: 2 },
      initialDelay: { seconds: 30 },
    }),
    fn: async () => {
      const { written, seq } = await checkpointer.checkpoint();
      if (written) {
        logger.info(`Audit head checkpoint seq ${seq} → ${sink.description}`);
      }
    },
  });
  await scheduler.scheduleTask({
    id: AUDIT_VERIFY_TASK_ID,
    scope: 'global',
    ...schedule('platform.audit.verify.schedule', {
      frequency: { hours: 1 },
      timeout: { minutes: 30 },
      // Short: until it passes, this process does not pick up a "verify now" either.
      initialDelay: { seconds: 10 },
    }),
    fn: async () => {
      let run = await verifyJob.run({ incremental: true });
      // Requests that arrived while this run was busy get their own run now, not in an hour.
      for (let i = 0; i < 3 && (await verifyJob.hasRequests()); i++) {
        run = await verifyJob.run();
      }
      report(run);
    },
  });
  await scheduler.scheduleTask({
    id: AUDIT_VERIFY_FULL_TASK_ID,
    scope: 'global',
    ...schedule('platform.audit.verify.fullSchedule', {
      frequency: { hours: 24 },
      timeout: { hours: 3 },
      initialDelay: { minutes: 15 },
    }),
    fn: async () => report(await verifyJob.run()),
  });

  function report(run: AuditVerifyRun) {
    if (run.status === 'error') {
      logger.error(`Audit chain verify run ${run.id} failed: ${run.error}`);
    } else if (run.result && !run.result.valid) {
      logger.error(
        `Audit chain verify run ${run.id}: broken at seq ${run.result.firstBroken?.seq}: ${run.result.firstBroken?.reason}`,
      );
    } else {
      logger.info(
        `Audit chain verify run ${run.id} (${run.result?.mode}): ${run.result?.checked} records valid`,
      );
    }
  }

  return {
    audit,
    checkpointer,
    verifyJob,
    async verifyStatus() {
      return toVerifyStatus(await verifyJob.status());
    },
    async requestVerify(requestedBy) {
      const run = await verifyJob.request(requestedBy);
      // Not awaited: the run happens in the background (on whichever replica the scheduler
      // picks). A run already in progress (ConflictError) picks the stored request up itself.
      scheduler.triggerTask(AUDIT_VERIFY_TASK_ID).catch(error => {
        if ((error as Error).name !== 'ConflictError') {
          logger.error(`Could not start the audit verify job: ${error}`);
        }
      });
      return { id: run.id };
    },
  };
}
