<?php
/**
 * Stand-in for Formidable Forms (test only; see standin-common.php). Shapes: FrmAppHelper::plugin_version();
 * FrmEntry::getOne( $id, true ) with metas keyed by field id; FrmField::get_all_for_form( $form_id )
 * with objects (id, name = the label, field_key, type; a file field's meta holds attachment ids);
 * FrmForm::getOne( $id ) with name and form_key. The hook:
 * do_action( 'frm_after_create_entry', $entry_id, $form_id ).
 */

class FrmAppHelper {
	public static function plugin_version() { return '6.14'; }
}

class FrmEntry {
	public static $entries = array();
	public static function getOne( $id, $meta = false ) { return self::$entries[ $id ] ?? null; }
}

class FrmField {
	public static function get_all_for_form( $form_id ) {
		return array(
			(object) array( 'id' => 21, 'name' => 'Company', 'field_key' => 'company', 'type' => 'text' ),
			(object) array( 'id' => 22, 'name' => 'Budget', 'field_key' => 'budget', 'type' => 'select' ),
			(object) array( 'id' => 23, 'name' => 'Channels', 'field_key' => 'channels', 'type' => 'checkbox' ),
			(object) array( 'id' => 24, 'name' => 'Logo', 'field_key' => 'logo', 'type' => 'file' ),
			(object) array( 'id' => 25, 'name' => 'Submit', 'field_key' => 'submit', 'type' => 'submit' ),
		);
	}
}

class FrmForm {
	public static function getOne( $id ) { return (object) array( 'id' => $id, 'name' => 'Project brief', 'form_key' => 'brief' ); }
}

add_action(
	'init',
	function () {
		if ( ! fb_standin_requested( 'formidable' ) ) {
			return;
		}
		$posted = fb_standin_posted();
		$file   = fb_standin_upload( 'formidable/5' );
		$logo   = '';
		if ( $file ) { // Formidable stores uploads as attachments; the entry holds the attachment id.
			$logo = wp_insert_attachment( array( 'post_title' => $file['name'], 'post_mime_type' => 'application/octet-stream', 'post_status' => 'private' ), $file['path'] );
		}
		FrmEntry::$entries[77] = (object) array(
			'id'      => 77,
			'form_id' => 5,
			'metas'   => array(
				21 => $posted['company'] ?? '',
				22 => $posted['budget'] ?? '',
				23 => (array) ( $posted['channels'] ?? array() ),
				24 => $logo,
			),
		);
		do_action( 'frm_after_create_entry', 77, 5 );
		fb_standin_done();
	},
	20
);
