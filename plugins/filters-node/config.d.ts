export interface Config {
  filters?: {
    /**
     * Service principals (by `subject`, e.g. `external:reporting`) that may read fields of a
     * data class other than `public` when the permission policy also allows it. Any other
     * service principal (e.g. the development static token) gets public fields only.
     */
    piiServiceSubjects?: string[];
  };
}
