import * as z from '../zodMini.js';

export const StaffRoleSchema = z.enum(['agent', 'supervisor']);
export type StaffRole = z.infer<typeof StaffRoleSchema>;

/** A staff member as the case rules see them: who, what they may do, which languages they read. */
export interface StaffMember {
  id: string;
  role: StaffRole;
  /** ISO 639-1, lower case. */
  languages: string[];
}

/** Supervisors act on anyone's claim (reassign, release, merge); agents only on their own. */
export function isSupervisor(staff: StaffMember): boolean {
  return staff.role === 'supervisor';
}
