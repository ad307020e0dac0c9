<?php
/**
 * Stand-in for Gravity Forms (test only; see standin-common.php). Shapes: GFForms::$version;
 * the form array (id, title, fields: GF_Field objects with id, label, type, inputs); the entry
 * array keyed by field id ("1.3" for an input of a multi-input field) with status, source_url,
 * and a file upload field's value as the file's URL in uploads/gravity_forms/.
 * The hook: do_action( 'gform_after_submission', $entry, $form ).
 */

class GFForms {
	public static $version = '2.8.7';
}

class GF_Field implements ArrayAccess {
	public $id;
	public $label;
	public $type;
	public $inputs;
	public function __construct( array $properties ) {
		foreach ( $properties as $name => $value ) {
			$this->$name = $value;
		}
	}
	public function offsetExists( mixed $offset ): bool { return isset( $this->$offset ); }
	public function offsetGet( mixed $offset ): mixed { return $this->$offset ?? null; }
	public function offsetSet( mixed $offset, mixed $value ): void { $this->$offset = $value; }
	public function offsetUnset( mixed $offset ): void { unset( $this->$offset ); }
}

add_action(
	'init',
	function () {
		if ( ! fb_standin_requested( 'gravityforms' ) ) {
			return;
		}
		$posted = fb_standin_posted();
		$form   = array(
			'id'     => 7,
			'title'  => 'Quote request',
			'fields' => array(
				new GF_Field( array( 'id' => 1, 'label' => 'Name', 'type' => 'name', 'inputs' => array( array( 'id' => '1.3', 'label' => 'First' ), array( 'id' => '1.6', 'label' => 'Last' ) ) ) ),
				new GF_Field( array( 'id' => 2, 'label' => 'Email', 'type' => 'email', 'inputs' => null ) ),
				new GF_Field( array( 'id' => 3, 'label' => 'Services', 'type' => 'checkbox', 'inputs' => array( array( 'id' => '3.1' ), array( 'id' => '3.2' ), array( 'id' => '3.3' ) ) ) ),
				new GF_Field( array( 'id' => 4, 'label' => 'Brief', 'type' => 'fileupload', 'inputs' => null ) ),
				new GF_Field( array( 'id' => 5, 'label' => '', 'type' => 'html', 'inputs' => null ) ),
			),
		);
		$file  = fb_standin_upload( 'gravity_forms/7-' . md5( 'form' ) . '/' . gmdate( 'Y/m' ) );
		$entry = array(
			'id'         => '41',
			'form_id'    => '7',
			'status'     => ! empty( $posted['spam'] ) ? 'spam' : 'active',
			'source_url' => 'https://shop.example/quote/',
			'1.3'        => $posted['first'] ?? '',
			'1.6'        => $posted['last'] ?? '',
			'2'          => $posted['email'] ?? '',
			'3.1'        => $posted['service_1'] ?? '',
			'3.2'        => $posted['service_2'] ?? '',
			'3.3'        => $posted['service_3'] ?? '',
			'4'          => $file ? $file['url'] : '',
		);
		do_action( 'gform_after_submission', $entry, $form );
		fb_standin_done();
	},
	20
);
