import { budgetAlert, needsCostReview, parseCostsDocument } from './costs';
import { CapacityValidationError } from './limitSchema';

describe('cost guardrails', () => {
  it.each([
    [0, 'none'],
    [7999.99, 'none'],
    [8000, 'warning'], // 80% of budget
    [9999.99, 'warning'],
    [10000, 'exceeded'], // 100%
    [15000, 'exceeded'],
  ] as const)('spend %p of 10,000 → %s', (spend, alert) => {
    expect(budgetAlert(spend, 10000)).toBe(alert);
  });

  it('flags a service only above 120% of its allocation', () => {
    expect(needsCostReview(1200, 1000)).toBe(false);
    expect(needsCostReview(1200.01, 1000)).toBe(true);
  });

  it('rejects allocations that exceed the budget, naming file and path', () => {
    expect(() =>
      parseCostsDocument(
        {
          currency: 'USD',
          drivers: [
            {
              id: 'postgres',
              name: 'Postgres',
              monthlyBudget: 100,
              services: [{ id: 'a', name: 'A', allocation: 150 }],
            },
          ],
        },
        'capacity/costs.yaml',
      ),
    ).toThrow(
      "capacity/costs.yaml: drivers[0].services: allocations add up to 150, more than the driver's monthlyBudget 100",
    );
  });

  it('names an unknown field', () => {
    let caught: unknown;
    try {
      parseCostsDocument({ currency: 'usd', drivers: [], extra: 1 }, 'c.yaml');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CapacityValidationError);
    expect((caught as CapacityValidationError).issues).toEqual(
      expect.arrayContaining([
        {
          file: 'c.yaml',
          path: 'currency',
          rule: 'must be an ISO 4217 code like USD',
        },
        { file: 'c.yaml', path: 'extra', rule: 'unknown field' },
      ]),
    );
  });
});
