import { z } from 'zod';
import { CapacityValidationError, issuesOf } from './limitSchema';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be kebab-case');
const money = z
  .number({ invalid_type_error: 'must be a number' })
  .finite()
  .positive('must be > 0');

export const costsDocumentSchema = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD'),
    /** Share of budget that raises the first alert (the spec: 80%). */
    warnAt: z.number().gt(0).lt(1).default(0.8),
    /** A service over this share of its allocation is flagged for cost review (the spec: 120%). */
    reviewAt: z.number().gt(1).default(1.2),
    drivers: z
      .array(
        z
          .object({
            id,
            name: z.string().min(1).max(100),
            monthlyBudget: money,
            services: z
              .array(
                z
                  .object({
                    id,
                    name: z.string().min(1).max(100),
                    allocation: money,
                    /**
                     * Spend derived from a measured limit: value × price per unit-month,
                     * prorated to the part of the month elapsed.
                     */
                    derivedFrom: z
                      .object({
                        limit: id,
                        pricePerUnitMonth: money,
                        priceNote: z.string().min(1),
                      })
                      .strict()
                      .optional(),
                  })
                  .strict(),
              )
              .min(1, 'must list at least one service'),
          })
          .strict(),
      )
      .min(1, 'must list at least one driver'),
  })
  .strict();

export type CostsDocument = z.infer<typeof costsDocumentSchema>;

export function parseCostsDocument(
  value: unknown,
  file: string,
): CostsDocument {
  const parsed = costsDocumentSchema.safeParse(value);
  if (!parsed.success)
    throw new CapacityValidationError(issuesOf(file, parsed.error));
  const doc = parsed.data;
  const issues: { file: string; path: string; rule: string }[] = [];
  doc.drivers.forEach((d, i) => {
    const total = d.services.reduce((sum, s) => sum + s.allocation, 0);
    if (total > d.monthlyBudget + 1e-9) {
      issues.push({
        file,
        path: `drivers[${i}].services`,
        rule: `allocations add up to ${total}, more than the driver's monthlyBudget ${d.monthlyBudget}`,
      });
    }
  });
  if (issues.length) throw new CapacityValidationError(issues);
  return doc;
}

export type BudgetAlert = 'none' | 'warning' | 'exceeded';

/** 80% (warnAt) and 100% of budget. */
export function budgetAlert(
  spend: number,
  budget: number,
  warnAt = 0.8,
): BudgetAlert {
  if (spend >= budget) return 'exceeded';
  if (spend >= warnAt * budget) return 'warning';
  return 'none';
}

/** Over 120% (reviewAt) of the allocation triggers a cost review. */
export function needsCostReview(
  spend: number,
  allocation: number,
  reviewAt = 1.2,
): boolean {
  return spend > reviewAt * allocation;
}

export interface SpendFigure {
  amount: number;
  source: string;
  at: string;
  provenance: 'pushed' | 'derived';
}

export interface ServiceCostView {
  id: string;
  name: string;
  allocation: number;
  spend: SpendFigure | null;
  percentOfAllocation: number | null;
  costReview: boolean;
}

export interface DriverCostView {
  id: string;
  name: string;
  monthlyBudget: number;
  spend: number;
  /** Services without any spend figure this month (their spend is unknown, not zero). */
  servicesWithoutData: string[];
  percentOfBudget: number;
  alert: BudgetAlert;
  services: ServiceCostView[];
}

export interface CostGuardrailsView {
  month: string;
  currency: string;
  warnAt: number;
  reviewAt: number;
  drivers: DriverCostView[];
}
